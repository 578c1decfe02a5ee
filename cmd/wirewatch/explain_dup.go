package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// withDupFlag adds --dup ID (and --dup-format) to an explain command: when
// --dup is given, the command prints how stored item ID's copy and story
// links were decided instead of doing what it does otherwise. It wraps the
// command's Args and RunE, so any explain command gains the path with one
// call.
func (a *app) withDupFlag(cmd *cobra.Command) *cobra.Command {
	var id, format string
	args, run := cmd.Args, cmd.RunE
	cmd.Flags().StringVar(&id, "dup", "", "explain why stored item ID is (or is not) a copy, and which story it joined")
	cmd.Flags().StringVar(&format, "dup-format", "text", "with --dup: text or json")
	cmd.Args = func(c *cobra.Command, rest []string) error {
		if c.Flags().Changed("dup") {
			return positional(cobra.NoArgs)(c, rest)
		}
		if args != nil {
			return args(c, rest)
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, rest []string) error {
		if !c.Flags().Changed("dup") {
			if run == nil {
				return usageError{errors.New("nothing to explain: pass --dup ID")}
			}
			return run(c, rest)
		}
		if format != "text" && format != formatJSON {
			return usageError{fmt.Errorf("--dup-format %q: use text or json", format)}
		}
		return a.explainDup(c.Context(), a.stdout, id, format == formatJSON)
	}
	return cmd
}

// explainDup prints how item id's copy and story links were decided: every
// candidate that shared a band key, its similarity against the thresholds,
// and the verdict.
func (a *app) explainDup(ctx context.Context, w io.Writer, id string, asJSON bool) error {
	r, done, err := a.openReader()
	if err != nil {
		return err
	}
	defer done()
	why, err := r.ExplainDup(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		if why.Decisions == nil {
			why.Decisions = []match.DupDecision{}
		}
		return writeJSON(w, why)
	}
	it, err := r.Item(ctx, id)
	if err != nil {
		return err
	}
	writeDupExplanation(w, it, why)
	return nil
}

func writeDupExplanation(w io.Writer, it match.Item, why store.DupExplanation) {
	fmt.Fprintf(w, "item %s: %s\n", it.ID, it.Title)
	fmt.Fprintf(w, "%s; %d candidates shared a band key\n", why.Fingerprint, why.Candidates)
	fmt.Fprintf(w, "thresholds: containment >= %.2f; for short excerpts also jaccard >= %.2f\n",
		why.Dedup.MinContainment, why.Dedup.MinShortJaccard)
	for _, d := range why.Decisions {
		fmt.Fprintf(w, "  %s\n", d)
	}
	switch {
	case why.DuplicateOf != "":
		fmt.Fprintf(w, "verdict: copy of %s (canonical); story %s\n", why.DuplicateOf, why.Story)
	case why.StoryDecision != nil:
		fmt.Fprintf(w, "verdict: not a copy; %s (%d stories in the window compared)\n", why.StoryDecision, why.StoriesCompared)
	default:
		fmt.Fprintf(w, "verdict: not a copy; started story %s (%d stories in the window compared, none above similarity %.2f with %d shared names)\n",
			why.Story, why.StoriesCompared, why.StoryConfig.Threshold, why.StoryConfig.MinSharedNames)
	}
}

// writeStoryReports lists the other reports of an item's story (copies
// included), for `show`.
func writeStoryReports(ctx context.Context, w io.Writer, r reader, it match.Item) error {
	if it.Story == "" {
		return nil
	}
	items, err := r.Items(ctx, store.Query{Story: it.Story, Copies: true})
	if err != nil {
		return err
	}
	var others []match.Item
	for _, o := range items {
		if o.ID != it.ID && o.DuplicateOf != it.ID {
			others = append(others, o)
		}
	}
	if len(others) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nother reports in story %s (%d):\n", it.Story, len(others))
	for _, o := range others {
		note := ""
		if o.DuplicateOf != "" {
			note = " (copy of " + o.DuplicateOf + ")"
		}
		fmt.Fprintf(w, "  %s  %-20s %s  %s%s\n", o.ID, clip(o.Feed, 20), fmtTime(o.SortTime()), clip(o.Title, 70), note)
	}
	return nil
}
