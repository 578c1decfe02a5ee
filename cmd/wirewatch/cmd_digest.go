package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/store"
)

func (a *app) digestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest",
		Short: "Preview, list and send digests",
		Long: `A digest is one message with the stories of a window: from the end of
the last delivered digest of that name to now. Digests are written to an
outbox in the database before they are sent, and retried until delivered.`,
	}
	cmd.AddCommand(a.digestPreviewCmd(), a.digestListCmd(), a.digestSendCmd())
	return cmd
}

func (a *app) digestPreviewCmd() *cobra.Command {
	var since, htmlFile string
	cmd := &cobra.Command{
		Use:   "preview NAME [--since DUR] [--html FILE]",
		Short: "Render a digest without sending it",
		Long: `Preview prints the plain-text part of the digest NAME would send now
(the window since its last delivery, or --since) and, with --html, writes
the HTML part to FILE. Nothing is written to the outbox.`,
		Example: `  wirewatch digest preview morning
  wirewatch digest preview morning --since 48h --html /tmp/digest.html`,
		Args: positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, d, err := a.configuredDigest(args[0])
			if err != nil {
				return err
			}
			from, err := parseWhen(since, a.now())
			if err != nil {
				return err
			}
			r, done, err := a.openReader()
			if err != nil {
				return err
			}
			defer done()
			m, err := r.PreviewDigest(cmd.Context(), d.Name, from)
			if err != nil {
				return err
			}
			if htmlFile != "" {
				if err := os.WriteFile(htmlFile, []byte(m.HTML), 0o644); err != nil {
					return fmt.Errorf("write html: %w", err)
				}
			}
			_, err = io.WriteString(a.stdout, m.Text)
			return err
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "window start: a duration back (24h, 7d), a date or RFC 3339 (default: end of the last delivered digest)")
	cmd.Flags().StringVar(&htmlFile, "html", "", "also write the HTML part to FILE")
	return cmd
}

// configuredDigest loads the config and finds digest name in it, without
// reading its secrets (the command may not need them, or the daemon has them).
func (a *app) configuredDigest(name string) (*Config, *digest.Definition, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	d, err := cfg.digestDefinition(name, false)
	if err != nil {
		return nil, nil, err
	}
	return cfg, d, nil
}

// digestRow is one digest in `digest list --format json`: the outbox entry
// without its body.
type digestRow struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Created     time.Time `json:"created"`
	Subject     string    `json:"subject"`
	Stories     int       `json:"stories"`
	Format      string    `json:"format"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	LastStatus  int       `json:"last_status"`
	LastError   string    `json:"last_error"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Delivered   time.Time `json:"delivered,omitzero"`
}

func (a *app) digestListCmd() *cobra.Command {
	var format, name string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--format table|json] [--name NAME]",
		Short: "List digests in the outbox, newest first",
		Args:  positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" {
				format = formatTable
			}
			if format != formatTable && format != formatJSON {
				return usageError{fmt.Errorf("--format %q: use table or json", format)}
			}
			r, done, err := a.openReader()
			if err != nil {
				return err
			}
			defer done()
			list, err := r.Digests(cmd.Context(), store.DigestQuery{Name: name, Limit: limit})
			if err != nil {
				return err
			}
			rows := make([]digestRow, 0, len(list))
			for _, d := range list {
				rows = append(rows, digestRow{
					ID: d.ID, Name: d.Name, WindowStart: d.WindowStart, WindowEnd: d.WindowEnd, Created: d.Created,
					Subject: d.Subject, Stories: d.Stories, Format: d.Format, Status: d.Status, Attempts: d.Attempts,
					LastStatus: d.LastStatus, LastError: d.LastError, NextAttempt: d.NextAttempt, Delivered: d.Delivered,
				})
			}
			if format == formatJSON {
				return writeJSON(a.stdout, rows)
			}
			return writeDigestTable(a.stdout, rows)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "table or json (default table)")
	cmd.Flags().StringVar(&name, "name", "", "only digests of this name")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most N digests")
	return cmd
}

func writeDigestTable(w io.Writer, rows []digestRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWINDOW (UTC)\tSTORIES\tSTATUS\tATTEMPTS\tLAST ERROR")
	for _, r := range rows {
		status := r.Status
		if r.Status == store.DigestPending && !r.NextAttempt.IsZero() && r.Attempts > 0 {
			status += " (next " + r.NextAttempt.UTC().Format("01-02 15:04") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s – %s\t%d\t%s\t%d\t%s\n", r.ID,
			r.WindowStart.UTC().Format("2006-01-02 15:04"), r.WindowEnd.UTC().Format("01-02 15:04"),
			r.Stories, status, r.Attempts, clip(r.LastError, 60))
	}
	return tw.Flush()
}

func (a *app) digestSendCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "send NAME",
		Short: "Build the digest now (unless one is pending) and make one delivery attempt",
		Long: `Send builds the digest NAME for the window from its last delivery to
now, unless one is already pending, and makes one delivery attempt. It
exits 1 if the digest was not delivered; it stays in the outbox for the
daemon's retries or the next send, with the same id and body. While the
daemon runs, the attempt is made by the daemon (with its config and
secrets), in turn with its scheduled runs and retries.`,
		Args: positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, d, err := a.configuredDigest(args[0])
			if err != nil {
				return err
			}
			s, done, err := a.openDigestSender(cfg)
			if err != nil {
				return err
			}
			defer done()
			rec, ok, err := s.SendDigest(cmd.Context(), d.Name)
			var derr *digest.DeliveryError
			switch {
			case errors.As(err, &derr):
				fmt.Fprintf(a.stdout, "digest %s (%d stories): not delivered: %s\n", rec.ID, rec.Stories, derr.Reason)
				if !derr.Permanent {
					fmt.Fprintf(a.stdout, "it stays in the outbox; retried by the daemon from %s or by the next 'wirewatch digest send %s'\n",
						derr.Next.UTC().Format(time.RFC3339), d.Name)
				}
				return silentError{code: exitFailure}
			case err != nil:
				return err
			case !ok:
				fmt.Fprintf(a.stdout, "digest %s: no new stories since the last delivery; nothing sent (set send_empty = true to send anyway)\n", d.Name)
				return nil
			}
			fmt.Fprintf(a.stdout, "digest %s delivered: %d stories, window %s – %s, attempt %d\n", rec.ID, rec.Stories,
				rec.WindowStart.UTC().Format(time.RFC3339), rec.WindowEnd.UTC().Format(time.RFC3339), rec.Attempts)
			return nil
		},
	}
}

// digestSender makes one attempt of a digest: the daemon's socket client,
// or localSender over the database file.
type digestSender interface {
	SendDigest(ctx context.Context, name string) (store.Digest, bool, error)
}

// localSender sends digests of cfg from this process, over the database
// file opened read-write.
type localSender struct {
	st  *store.Store
	cfg *Config
	a   *app
}

// SendDigest builds (unless pending) and attempts digest name once.
func (l localSender) SendDigest(ctx context.Context, name string) (store.Digest, bool, error) {
	d, err := l.cfg.digestDefinition(name, true)
	if err != nil {
		return store.Digest{}, false, err
	}
	// The command prints the outcome; the processor's own log lines (which
	// the daemon writes to its log) only with debug logging, so the output
	// is the same with and without a daemon.
	log := slog.New(slog.DiscardHandler)
	if l.a.logger().Enabled(ctx, slog.LevelDebug) {
		log = l.a.logger()
	}
	p := digest.NewProcessor(l.st, itemStories{l.st}, digest.ProcessorOptions{Now: l.a.now, Logger: log})
	return p.Send(ctx, d)
}

// openDigestSender is openReader for `digest send`: the daemon when it
// answers, else the database file opened for writing.
func (a *app) openDigestSender(cfg *Config) (digestSender, func() error, error) {
	c, err := a.dialDaemon()
	if err == nil {
		return c, c.Close, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, nil, err
	}
	st, err := a.openStore(false)
	if err != nil {
		return nil, nil, a.explainLocked(err)
	}
	return localSender{st, cfg, a}, st.Close, nil
}
