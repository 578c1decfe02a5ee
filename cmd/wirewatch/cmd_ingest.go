package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/watcher"
)

// maxIngestBytes caps one local file, like the poller caps a response.
const maxIngestBytes = 64 << 20

func (a *app) ingestCmd() *cobra.Command {
	var feed string
	cmd := &cobra.Command{
		Use:   "ingest [--feed NAME] FILE...",
		Short: "Run local RSS, Atom or JSON Feed files through the pipeline",
		Long: `Ingest parses each file (or - for standard input) and runs its items
through the same pipeline the daemon uses: identify, score against every
topic, store. It prints one line per file. A file that fails is reported
and skipped; the exit status is 1 if any file failed.

Items are recorded under the feed named by --feed; without it, under the
file's base name without extension ("stdin" for -).

While the daemon runs, each document goes through its socket and is
ingested by the daemon's own pipeline (with the daemon's topics).`,
		Example: `  wirewatch ingest ../shared/seeds/seeds.rss
  curl -s https://example.org/feed | wirewatch ingest --feed example -`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ing, done, err := a.openIngester(cfg)
			if err != nil {
				return err
			}
			defer done()
			failed := 0
			for _, f := range files {
				name := feed
				if name == "" {
					name = feedNameForFile(f)
				}
				rep, err := a.ingestFile(cmd, ing, name, f)
				if err != nil {
					failed++
					fmt.Fprintf(a.stdout, "%s: error: %v\n", f, err)
					continue
				}
				fmt.Fprintf(a.stdout, "%s: feed %s: read %d, new %d, kept %d, dropped %d, already stored %d\n",
					f, name, rep.Read, rep.New, rep.Kept, rep.Dropped, rep.Known)
			}
			if failed > 0 {
				fmt.Fprintf(a.stderr, "wirewatch: %d of %d files failed\n", failed, len(files))
				return silentError{code: exitFailure}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&feed, "feed", "", "feed name to record the items under")
	return cmd
}

func (a *app) ingestFile(cmd *cobra.Command, ing ingester, feed, path string) (watcher.Report, error) {
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return watcher.Report{}, err
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxIngestBytes+1))
	if err != nil {
		return watcher.Report{}, fmt.Errorf("read: %w", err)
	}
	if len(body) > maxIngestBytes {
		return watcher.Report{}, fmt.Errorf("file exceeds %d MiB", maxIngestBytes>>20)
	}
	return ing.Ingest(cmd.Context(), feed, body)
}

// ingester runs one document through a pipeline: the daemon's, through
// its socket, while it runs; else a local one on the database file.
type ingester interface {
	Ingest(ctx context.Context, feed string, body []byte) (watcher.Report, error)
}

// openIngester returns the daemon's socket client when a daemon answers,
// else a pipeline on the database opened read-write.
func (a *app) openIngester(cfg *Config) (ingester, func() error, error) {
	c, err := a.dialDaemon()
	if err == nil {
		return c, c.Close, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, nil, err
	}
	topics, err := cfg.CompileTopics()
	if err != nil {
		return nil, nil, err
	}
	st, err := a.openStore(false)
	if err != nil {
		return nil, nil, a.explainLocked(err)
	}
	return &localIngester{p: watcher.NewPipeline(st, topics, a.logger()), now: a.now}, st.Close, nil
}

// localIngester parses and ingests documents in this process.
type localIngester struct {
	p   *watcher.Pipeline
	now func() time.Time
}

// Ingest parses body and runs it through the pipeline.
func (l *localIngester) Ingest(ctx context.Context, feed string, body []byte) (watcher.Report, error) {
	doc, err := watcher.ParseFeed(body, "")
	if err != nil {
		return watcher.Report{}, err
	}
	return l.p.IngestDocument(ctx, feed, doc, l.now())
}

func feedNameForFile(path string) string {
	if path == "-" {
		return "stdin"
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
