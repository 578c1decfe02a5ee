package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/store"
)

func (a *app) storiesCmd() *cobra.Command {
	var since, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "stories",
		Short: "List stories, the most recently active first",
		Long: `A story groups the reports of one event: wire copies (the same text from
several outlets) and different reports of the same facts. Each line shows
the story's id (the id of its first item; 'items --story ID' lists it), its
report count, the outlets that carried it and its first and last time.`,
		Example: `  wirewatch stories --since 3d
  wirewatch stories --format json`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var q store.StoryQuery
			var err error
			if q.Since, err = parseWhen(since, a.now()); err != nil {
				return err
			}
			if format, err = resolveFormat(format, a.stdout, formatTable, formatJSON, formatJSONL, formatCSV); err != nil {
				return err
			}
			q.Limit = listLimit(cmd, format, limit)
			r, done, err := a.openReader()
			if err != nil {
				return err
			}
			defer done()
			stories, err := r.Stories(cmd.Context(), q)
			if err != nil {
				return err
			}
			return writeStories(a.stdout, format, stories)
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "only stories active at or after: a duration back (24h, 7d), a date (2025-10-28) or RFC 3339")
	f.IntVar(&limit, "limit", 0, "at most N stories (default 50 for table, all otherwise)")
	f.StringVar(&format, "format", "", "table, json, jsonl or csv (default table on a terminal, jsonl otherwise)")
	return cmd
}

func writeStories(w io.Writer, format string, stories []store.Story) error {
	for i := range stories {
		if stories[i].Outlets == nil {
			stories[i].Outlets = []string{}
		}
	}
	switch format {
	case formatJSON:
		if stories == nil {
			stories = []store.Story{}
		}
		return writeJSON(w, stories)
	case formatJSONL:
		return writeJSONL(w, stories)
	case formatCSV:
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "title", "reports", "members", "outlets", "first", "last", "earliest", "origin"})
		for _, s := range stories {
			cw.Write([]string{s.ID, s.Title, strconv.Itoa(s.Reports), strconv.Itoa(s.Members), strings.Join(s.Outlets, ";"),
				fmtTime(s.First), fmtTime(s.Last), s.Earliest, s.Origin})
		}
		cw.Flush()
		return cw.Error()
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "STORY\tREPORTS\tFIRST\tLAST\tOUTLETS\tTITLE")
		for _, s := range stories {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Reports, s.First.UTC().Format("2006-01-02 15:04"),
				s.Last.UTC().Format("2006-01-02 15:04"), clip(strings.Join(s.Outlets, ","), 30), clip(s.Title, 70))
		}
		return tw.Flush()
	}
}
