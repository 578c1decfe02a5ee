package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

func (a *app) rescoreCmd() *cobra.Command {
	var topicName, since string
	var apply bool
	cmd := &cobra.Command{
		Use:   "rescore [--topic NAME] [--since DUR] [--apply]",
		Short: "Re-apply the current rules to stored items and report what changes",
		Long: `rescore scores stored items again with the topics as configured now and
lists every item whose topics or score would change: kept by a topic it was
not kept by before (+), no longer kept (-), or scored differently (~).
Nothing is written unless --apply is given; then the new topics, score and
matched rules are stored (items that no topic keeps any more stay stored,
with no topics, so 'items --topic' stops listing them). With --topic only
that topic is re-applied; the item's other topics are left as they are.`,
		Example: "  wirewatch rescore --since 72h\n  wirewatch rescore --topic afpak-talks --apply",
		Args:    positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var q store.Query
			if since != "" {
				t, err := parseWhen(since, a.now())
				if err != nil {
					return usageError{fmt.Errorf("--since: %w", err)}
				}
				q.Since = t
			}
			topics, err := a.selectTopics(topicName)
			if err != nil {
				return err
			}
			st, done, err := a.openItemWriter(apply)
			if err != nil {
				return err
			}
			defer done()
			items, err := st.Items(cmd.Context(), q)
			if err != nil {
				return err
			}
			changed := a.rescore(items, topics, topicName != "")
			verb := "would change"
			if apply {
				if err := st.UpdateScores(cmd.Context(), changed); err != nil {
					return err
				}
				verb = "changed"
			}
			fmt.Fprintf(a.stdout, "rescored %d items: %d %s", len(items), len(changed), verb)
			if !apply && len(changed) > 0 {
				fmt.Fprint(a.stdout, " (run with --apply to write)")
			}
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
	cmd.Flags().StringVar(&topicName, "topic", "", "re-apply only this topic")
	cmd.Flags().StringVar(&since, "since", "", "only items newer than this: a duration (72h) or a date (2025-10-28)")
	cmd.Flags().BoolVar(&apply, "apply", false, "write the new scores")
	return cmd
}

// rescore returns the items whose topics or score change, with the new
// values, and prints one line per change.
func (a *app) rescore(items []match.Item, topics []*match.Topic, onlyThese bool) []match.Item {
	var changed []match.Item
	for _, old := range items {
		it := old
		watcher.Score(topics, &it)
		if onlyThese {
			// Keep the item's other topics; replace only the re-applied one.
			name := topics[0].Name()
			kept := slices.Contains(it.Topics, name)
			it.Topics = slices.DeleteFunc(slices.Clone(old.Topics), func(s string) bool { return s == name })
			if kept {
				it.Topics = append(it.Topics, name)
				slices.Sort(it.Topics)
			} else if len(it.Topics) > 0 {
				it.Score, it.Matched = old.Score, old.Matched
			}
		}
		if slices.Equal(it.Topics, old.Topics) && it.Score == old.Score {
			continue
		}
		changed = append(changed, it)
		mark := "~"
		switch {
		case len(it.Topics) > len(old.Topics):
			mark = "+"
		case len(it.Topics) < len(old.Topics):
			mark = "-"
		}
		fmt.Fprintf(a.stdout, "%s %-6s score %6.2f -> %6.2f  topics [%s] -> [%s]  %s\n", mark, it.ID, old.Score, it.Score,
			strings.Join(old.Topics, ","), strings.Join(it.Topics, ","), clip(it.Title, 60))
	}
	return changed
}
