package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) explainCmd() *cobra.Command {
	var dup, format string
	cmd := &cobra.Command{
		Use:   "explain --dup ID",
		Short: "Explain a decision wirewatch made about a stored item",
		Example: `  wirewatch explain --dup 42
  wirewatch explain --dup 42 --format json`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != formatJSON {
				return usageError{fmt.Errorf("--format %q: use text or json", format)}
			}
			if dup == "" {
				return usageError{fmt.Errorf("nothing to explain: pass --dup ID")}
			}
			return a.explainDup(cmd.Context(), a.stdout, dup, format == formatJSON)
		},
	}
	cmd.Flags().StringVar(&dup, "dup", "", "explain why item ID is (or is not) a copy, and which story it joined")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}
