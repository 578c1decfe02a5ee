package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
)

func (a *app) showCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Print one stored item in full, with why it was kept",
		Example: "  wirewatch show 42\n  wirewatch show 42 --format json",
		Args:    positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != formatJSON {
				return usageError{fmt.Errorf("--format %q: use text or json", format)}
			}
			r, done, err := a.openReader()
			if err != nil {
				return err
			}
			defer done()
			it, err := r.Item(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if format == formatJSON {
				return writeJSON(a.stdout, contractItem(it))
			}
			a.writeItemText(a.stdout, it)
			return writeStoryReports(cmd.Context(), a.stdout, r, it)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// writeItemText prints an item for a human: header fields, why it was kept
// (hits, score against each of its topics' thresholds), then the text.
func (a *app) writeItemText(w io.Writer, it match.Item) {
	fmt.Fprintf(w, "%s\n\n", it.Title)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-13s %s\n", k+":", v)
		}
	}
	row("id", it.ID)
	row("feed", it.Feed)
	row("link", it.Link)
	row("guid", it.GUID)
	row("published", fmtTime(it.Published))
	row("fetched", fmtTime(it.Fetched))
	row("story", it.Story)
	row("duplicate of", it.DuplicateOf)
	row("origin", it.Origin)
	row("topics", strings.Join(it.Topics, ", "))
	fmt.Fprintf(w, "\nwhy it was kept: score %.2f%s\n", it.Score, a.thresholdNote(it.Topics))
	if len(it.Matched) == 0 {
		fmt.Fprintln(w, "  (no rules: kept by a firehose topic)")
	}
	for _, h := range it.Matched {
		fmt.Fprintf(w, "  %+6.2f  %s\n", h.Weight, h.Rule)
	}
	if len(it.Sources) > 0 {
		fmt.Fprintf(w, "\ncopies (%d):\n", len(it.Sources))
		for _, s := range it.Sources {
			fmt.Fprintf(w, "  %s  %-20s %s  %s\n", s.ID, s.Feed, fmtTime(s.Published), s.Link)
		}
	}
	fmt.Fprintf(w, "\n%s\n", it.Summary)
}

// thresholdNote names the configured thresholds of the item's topics, when
// the config can be read.
func (a *app) thresholdNote(topics []string) string {
	cfg, err := a.config()
	if err != nil {
		return ""
	}
	var parts []string
	for _, t := range cfg.Topics {
		for _, name := range topics {
			if t.Name == name {
				parts = append(parts, fmt.Sprintf("%s threshold %g", t.Name, t.Threshold))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
