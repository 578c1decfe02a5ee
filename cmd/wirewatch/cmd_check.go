package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the config and print a summary",
		Long: `Check decodes the config strictly (an unknown key is an error), compiles
every topic's rules and checks every value. It prints a one-screen summary,
or every problem with its file, line and key and exits 1.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			w := a.stdout
			fmt.Fprintf(w, "config  %s: ok\n", cfg.File())
			path, _ := a.storePath()
			fmt.Fprintf(w, "store   %s\n", path)
			fmt.Fprintf(w, "feeds   %d\n", len(cfg.Feeds))
			for _, f := range cfg.Feeds {
				fmt.Fprintf(w, "  %-24s %s\n", f.Name, f.URL)
			}
			fmt.Fprintf(w, "topics  %d\n", len(cfg.Topics))
			for _, t := range cfg.Topics {
				n := len(t.Terms) + len(t.Entities) + len(t.Negatives)
				if n == 0 {
					fmt.Fprintf(w, "  %-24s firehose (no rules: keeps every item)\n", t.Name)
					continue
				}
				fmt.Fprintf(w, "  %-24s %d terms, %d entities, %d negatives, %d facets, threshold %g\n",
					t.Name, len(t.Terms), len(t.Entities), len(t.Negatives), len(t.Facets), t.Threshold)
			}
			return nil
		},
	}
}
