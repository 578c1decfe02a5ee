package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/store"
)

// defaultTableLimit keeps a terminal listing to one screenful or so; machine
// formats list everything unless --limit is given.
const defaultTableLimit = 50

// listLimit is --limit, or defaultTableLimit for a table when --limit was
// not given.
func listLimit(cmd *cobra.Command, format string, limit int) int {
	if !cmd.Flags().Changed("limit") && format == formatTable {
		return defaultTableLimit
	}
	return limit
}

func (a *app) itemsCmd() *cobra.Command {
	var since, until, query, format string
	var q store.Query
	var limit int
	cmd := &cobra.Command{
		Use:   "items",
		Short: "List stored items, newest first",
		Example: `  wirewatch items --since 24h
  wirewatch items --since 2025-10-28 --until 2025-10-30 --topic afpak-talks
  wirewatch items --feed dawn --query "Istanbul talks" --format jsonl
  wirewatch items --story 17 --copies`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			now := a.now()
			if q.Since, err = parseWhen(since, now); err != nil {
				return err
			}
			if q.Until, err = parseWhen(until, now); err != nil {
				return err
			}
			if format, err = resolveFormat(format, a.stdout, formatTable, formatJSON, formatJSONL, formatCSV); err != nil {
				return err
			}
			q.Words = strings.Fields(query)
			q.Limit = listLimit(cmd, format, limit)
			r, done, err := a.openReader()
			if err != nil {
				return err
			}
			defer done()
			items, err := r.Items(cmd.Context(), q)
			if err != nil {
				return err
			}
			return writeItems(a.stdout, format, items)
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "only items at or after: a duration back (24h, 7d), a date (2025-10-28) or RFC 3339")
	f.StringVar(&until, "until", "", "only items before: same forms as --since")
	f.StringVar(&q.Feed, "feed", "", "only items of this feed")
	f.StringVar(&q.Topic, "topic", "", "only items this topic kept")
	f.StringVar(&query, "query", "", "only items whose title or text contains all these words")
	f.StringVar(&q.Story, "story", "", "only items of this story (see 'wirewatch stories')")
	f.BoolVar(&q.Copies, "copies", false, "also list items stored as copies of another (by default each canonical is listed once, SRC counting its sources)")
	f.IntVar(&limit, "limit", 0, "at most N items (default 50 for table, all otherwise)")
	f.StringVar(&format, "format", "", "table, json, jsonl or csv (default table on a terminal, jsonl otherwise)")
	return cmd
}
