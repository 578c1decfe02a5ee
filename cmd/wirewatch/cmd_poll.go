package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/watcher"
)

func (a *app) pollCmd() *cobra.Command {
	var (
		feeds  []string
		force  bool
		format string
	)
	cmd := &cobra.Command{
		Use:   "poll [--feed NAME]... [--force]",
		Short: "Poll feeds once, now, and report per feed",
		Long: `Poll fetches every configured feed (or those named with --feed) once,
now, with the daemon's limits, runs new documents through the pipeline
and prints one line per feed. It still skips feeds that are gone (410) or
waiting out a backoff or a Retry-After; --force polls them anyway. Feed
state (validators, failures, next due time) is saved as the daemon would.
The exit status is 1 if any polled feed failed. It cannot run while the
daemon holds the database.`,
		Example: `  wirewatch poll
  wirewatch poll --feed dawn --feed tolonews --force`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := resolveFormat(format, a.stdout, formatTable, formatJSON)
			if err != nil {
				return err
			}
			if format == "" {
				f = formatTable
			}
			ctx := cmd.Context()
			d, err := a.newDaemon(ctx, daemonHooks{})
			if err != nil {
				return err
			}
			defer d.Close()
			res, err := d.poller.Round(ctx, watcher.RoundOptions{Feeds: feeds, Force: force})
			if err != nil {
				return err
			}
			if f == formatJSON {
				err = writeJSON(a.stdout, pollReports(res))
			} else {
				err = writePollTable(a.stdout, res, a.now())
			}
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			for _, r := range res {
				if r.Err != nil {
					return silentError{exitFailure}
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&feeds, "feed", nil, "poll only this feed (repeatable)")
	fl.BoolVar(&force, "force", false, "poll feeds that are gone, backing off or under Retry-After too")
	fl.StringVar(&format, "format", "", "output: table or json")
	return cmd
}

// pollReport is one line of `poll --format json`.
type pollReport struct {
	Feed       string    `json:"feed"`
	URL        string    `json:"url"`
	Moved      string    `json:"moved_to,omitempty"`
	Result     string    `json:"result"` // ok, not_modified, failed, skipped, cancelled
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	ErrorClass string    `json:"error_class,omitempty"`
	Skipped    string    `json:"skipped,omitempty"`
	Items      int       `json:"items"`
	New        int       `json:"new"`
	Kept       int       `json:"kept"`
	Bytes      int64     `json:"bytes"`
	DurationMS int64     `json:"duration_ms"`
	NextDue    time.Time `json:"next_due,omitzero"`
}

func resultWord(r watcher.Result) string {
	switch {
	case r.Skipped != "":
		return "skipped"
	case r.Err != nil && r.Class == 0:
		return "cancelled"
	case r.Err != nil:
		return "failed"
	case r.NotModified:
		return "not_modified"
	}
	return "ok"
}

func pollReports(res []watcher.Result) []pollReport {
	out := make([]pollReport, 0, len(res))
	for _, r := range res {
		p := pollReport{
			Feed: r.Feed, URL: r.URL, Moved: r.Moved, Result: resultWord(r), Status: r.Status, Skipped: r.Skipped,
			Items: r.Outcome.Items, New: r.Outcome.New, Kept: r.Outcome.Kept, Bytes: r.Bytes,
			DurationMS: r.Duration.Milliseconds(), NextDue: r.NextDue.UTC(),
		}
		if r.Err != nil {
			p.Error = r.Err.Error()
			if r.Class != 0 {
				p.ErrorClass = r.Class.String()
			}
		}
		out = append(out, p)
	}
	return out
}

func writePollTable(w io.Writer, res []watcher.Result, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tRESULT\tHTTP\tITEMS\tNEW\tKEPT\tBYTES\tTIME\tNEXT\tDETAIL")
	var ok, failed, skipped int
	for _, r := range res {
		detail := ""
		switch {
		case r.Skipped != "":
			skipped++
			detail = r.Skipped
		case r.Err != nil:
			failed++
			detail = r.Err.Error()
			if r.Class != 0 {
				detail = r.Class.String() + ": " + detail
			}
		default:
			ok++
			if r.Moved != "" {
				detail = "moved permanently to " + r.Moved
			}
		}
		status := ""
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", clip(r.Feed, 24), resultWord(r), status,
			r.Outcome.Items, r.Outcome.New, r.Outcome.Kept, fmtBytes(r.Bytes), fmtDuration(r.Duration), fmtIn(r.NextDue, now), clip(detail, 90))
	}
	fmt.Fprintf(tw, "\n%d polled ok, %d failed, %d skipped\n", ok, failed, skipped)
	return tw.Flush()
}

// fmtBytes prints a byte count compactly: 0, 812B, 14.2KiB, 3.1MiB.
func fmtBytes(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
}

func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// fmtIn prints a future time relative to now ("in 14m"), a past one as
// "overdue".
func fmtIn(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	return "in " + fmtSpan(d)
}

// fmtAgo prints a past time relative to now ("3h ago").
func fmtAgo(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmtSpan(now.Sub(t)) + " ago"
}

func fmtSpan(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
