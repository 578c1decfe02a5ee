package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/store"
)

func (a *app) feedsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Show the health of every configured feed",
		Long: `Feeds prints one row per configured feed: its state (ok, failing,
gone, new), when it was last tried and last succeeded, the last HTTP
status, consecutive failures, when it is due next, items kept of those
seen, the share of polls answered 304 Not Modified, and the last error in
words. --format json adds the URL a permanent redirect moved it to, byte
and request counts, and exact times.`,
		Example: `  wirewatch feeds
  wirewatch feeds --format json | jq '.[] | select(.state == "failing")'
  wirewatch feeds export --format opml > feeds.opml`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := resolveFormat(format, a.stdout, formatTable, formatJSON)
			if err != nil {
				return err
			}
			if format == "" && f != formatTable {
				f = formatJSON
			}
			rows, err := a.feedHealth(cmd)
			if err != nil {
				return err
			}
			if f == formatJSON {
				return writeJSON(a.stdout, rows)
			}
			return writeFeedsTable(a.stdout, rows, a.now())
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "output: table or json (default: table on a terminal, else json)")
	cmd.AddCommand(a.feedsExportCmd())
	return cmd
}

func (a *app) feedsExportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export --format opml",
		Short: "Write the configured feeds as OPML",
		Long: `Export writes the configured feeds as an OPML 2.0 subscription list.
A feed that moved permanently (301/308) is written with the URL it moved
to, when the database is available.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "opml" {
				return usageError{fmt.Errorf("--format %q: use opml", format)}
			}
			rows, err := a.feedHealth(cmd)
			if err != nil {
				return err
			}
			feeds := make([]FeedConfig, len(rows))
			for i, r := range rows {
				feeds[i] = FeedConfig{Name: r.Name, URL: r.URL}
			}
			return writeOPML(a.stdout, "wirewatch feeds", feeds)
		},
	}
	cmd.Flags().StringVar(&format, "format", "opml", "output: opml")
	return cmd
}

// feedHealthRow is one feed in `wirewatch feeds --format json`.
type feedHealthRow struct {
	Name                string    `json:"name"`
	URL                 string    `json:"url"`
	OriginalURL         string    `json:"original_url,omitempty"`
	State               string    `json:"state"` // ok, failing, gone, new
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastStatus          int       `json:"last_status,omitempty"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastError           string    `json:"last_error,omitempty"`
	LastErrorClass      string    `json:"last_error_class,omitempty"`
	LastErrorAt         time.Time `json:"last_error_at,omitzero"`
	NextDue             time.Time `json:"next_due,omitzero"`
	Backoff             string    `json:"backoff,omitempty"`
	ItemsKept           int64     `json:"items_kept"`
	ItemsSeen           int64     `json:"items_seen"`
	Requests            int64     `json:"requests"`
	NotModified         int64     `json:"not_modified"`
	ConditionalHitRate  float64   `json:"conditional_hit_rate"`
	Bytes               int64     `json:"bytes"`
}

// feedHealth joins the configured feeds with their stored state. A
// missing database means nothing was polled yet.
func (a *app) feedHealth(cmd *cobra.Command) ([]feedHealthRow, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	states := map[string]store.FeedState{}
	r, done, err := a.openReader()
	switch {
	case err == nil:
		list, err := r.FeedStates(cmd.Context())
		done()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			states[s.Name] = s
		}
	case errors.Is(err, store.ErrLocked):
		return nil, err
	default:
		a.logger().Debug("no feed state available", "err", err)
	}
	rows := make([]feedHealthRow, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		s, ok := states[f.Name]
		if !ok || s.OriginalURL != f.URL {
			s = store.FeedState{Name: f.Name, URL: f.URL, OriginalURL: f.URL}
		}
		rows = append(rows, healthRow(s))
	}
	return rows, nil
}

func healthRow(s store.FeedState) feedHealthRow {
	r := feedHealthRow{
		Name: s.Name, URL: s.URL, LastAttempt: s.LastAttempt.UTC(), LastSuccess: s.LastSuccess.UTC(),
		LastStatus: s.LastStatus, ConsecutiveFailures: s.ConsecutiveFailures, LastError: s.LastError,
		LastErrorClass: s.LastErrorClass, LastErrorAt: s.LastErrorAt.UTC(), NextDue: s.NextDue.UTC(),
		ItemsKept: s.ItemsKept, ItemsSeen: s.ItemsSeen, Requests: s.Requests, NotModified: s.NotModified, Bytes: s.Bytes,
	}
	if s.URL != s.OriginalURL {
		r.OriginalURL = s.OriginalURL
	}
	if s.Backoff > 0 {
		r.Backoff = s.Backoff.String()
	}
	if s.Requests > 0 {
		r.ConditionalHitRate = float64(s.NotModified) / float64(s.Requests)
	}
	switch {
	case s.Gone:
		r.State = "gone"
	case s.ConsecutiveFailures > 0:
		r.State = "failing"
	case s.LastAttempt.IsZero():
		r.State = "new"
	default:
		r.State = "ok"
	}
	return r
}

func writeFeedsTable(w io.Writer, rows []feedHealthRow, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATE\tLAST TRY\tLAST OK\tHTTP\tFAILS\tNEXT\tKEPT/SEEN\t304\tURL / LAST ERROR")
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.State]++
		status, hit := "", ""
		if r.LastStatus != 0 {
			status = fmt.Sprint(r.LastStatus)
		}
		if r.Requests > 0 {
			hit = fmt.Sprintf("%.0f%%", 100*r.ConditionalHitRate)
		}
		next := fmtIn(r.NextDue, now)
		if r.State == "gone" {
			next = "never"
		}
		detail := r.URL
		if r.OriginalURL != "" {
			detail += " (moved from " + r.OriginalURL + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d/%d\t%s\t%s\n", clip(r.Name, 24), r.State,
			fmtAgo(r.LastAttempt, now), fmtAgo(r.LastSuccess, now), status, r.ConsecutiveFailures, next,
			r.ItemsKept, r.ItemsSeen, hit, detail)
		if r.LastError != "" && r.State != "ok" {
			fmt.Fprintf(tw, "\t\t\t\t\t\t\t\t\t└ %s error %s: %s\n", r.LastErrorClass, fmtAgo(r.LastErrorAt, now), clip(r.LastError, 100))
		}
	}
	fmt.Fprintf(tw, "\n%d feeds: %d ok, %d failing, %d gone, %d new\n", len(rows), counts["ok"], counts["failing"], counts["gone"], counts["new"])
	return tw.Flush()
}
