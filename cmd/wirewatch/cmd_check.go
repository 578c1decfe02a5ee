package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the config and print a summary",
		Long: `Check decodes the config strictly (an unknown key is an error), compiles
every topic's rules and checks every value. It prints a one-screen summary
(store, daemon, poll settings, feeds, topics, digests), or every problem
with its file, line and key and exits 1.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			path, _ := a.storePath()
			w := a.stdout
			fmt.Fprintf(w, "config  %s: ok\n", cfg.File())
			fmt.Fprintf(w, "store   %s\n", path)
			writeServiceSummary(w, cfg, path)
			writePollSummary(w, cfg)
			writeFeedSummary(w, cfg)
			writeTopicSummary(w, cfg)
			writeDigestSummary(w, cfg)
			return nil
		},
	}
}

// writeServiceSummary prints [daemon], [http] and [log].
func writeServiceSummary(w io.Writer, cfg *Config, db string) {
	access := "mode 0600"
	if g := cfg.Daemon.SocketGroup; g != "" {
		access = "mode 0660, group " + g
	}
	fmt.Fprintf(w, "daemon  socket %s (%s), stall after %s\n", cfg.SocketPath(db), access, fmtDur(cfg.StallAfter()))
	if l := cfg.HTTP.Listen; l != "" {
		fmt.Fprintf(w, "http    %s: /metrics, /healthz\n", l)
	} else {
		fmt.Fprintf(w, "http    off (set [http] listen for /metrics and /healthz)\n")
	}
	fmt.Fprintf(w, "log     %s, %s\n", cmp.Or(cfg.Log.Level, "info"), cmp.Or(cfg.Log.Format, "text"))
}

// writePollSummary prints [poll].
func writePollSummary(w io.Writer, cfg *Config) {
	p := cfg.Poll
	fmt.Fprintf(w, "poll    every %s, backoff up to %s; %d fetches at a time, %d per host %s apart\n",
		fmtDur(p.Interval.Duration), fmtDur(p.MaxBackoff.Duration), p.Concurrency, p.PerHost, fmtDur(p.HostSpacing.Duration))
	fmt.Fprintf(w, "        timeout %s, body cap %s, shutdown after %s\n",
		fmtDur(p.Timeout.Duration), fmtBytes(int64(p.MaxBody)), fmtDur(p.ShutdownTimeout.Duration))
}

// writeFeedSummary prints every feed, with its cadence when it is not
// [poll] interval.
func writeFeedSummary(w io.Writer, cfg *Config) {
	fmt.Fprintf(w, "feeds   %d\n", len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		cadence := ""
		switch {
		case f.Schedule != "":
			cadence = fmt.Sprintf("  (schedule %q)", f.Schedule)
		case f.Interval.Duration > 0 && f.Interval.Duration != cfg.Poll.Interval.Duration:
			cadence = "  (every " + fmtDur(f.Interval.Duration) + ")"
		}
		fmt.Fprintf(w, "  %-24s %s%s\n", f.Name, f.URL, cadence)
	}
}

// writeTopicSummary prints every topic's rule counts.
func writeTopicSummary(w io.Writer, cfg *Config) {
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
}

// writeDigestSummary prints every [[digest]]: format, schedule, topics and
// recipients (never its secrets).
func writeDigestSummary(w io.Writer, cfg *Config) {
	fmt.Fprintf(w, "digests %d\n", len(cfg.Digests))
	for _, dc := range cfg.Digests {
		format := dc.Format
		if d, err := cfg.definition(dc, false); err == nil {
			format = d.Format // with the default applied
		}
		schedule := "no schedule (wirewatch digest send " + dc.Name + ")"
		if dc.Schedule != "" {
			schedule = fmt.Sprintf("schedule %q", dc.Schedule)
		}
		topics := "all topics"
		if len(dc.Topics) > 0 {
			topics = "topics " + strings.Join(dc.Topics, ", ")
		}
		fmt.Fprintf(w, "  %-24s %s, %s, %s, %d recipient(s)\n", dc.Name, format, schedule, topics, len(dc.To))
	}
}
