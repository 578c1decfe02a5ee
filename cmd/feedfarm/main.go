// Command feedfarm serves a loopback farm of feeds (package
// watcher/feedfarm) for benchmarking `wirewatch poll` and `wirewatch run`
// by hand. It writes feeds.opml and a config.toml that imports it into
// -dir, prints the farm's counters on SIGUSR1 and on exit (SIGINT/SIGTERM).
//
//	go run ./cmd/feedfarm -feeds 10000 -hosts 1000 -dir /tmp/farm
//	wirewatch poll --config /tmp/farm/config.toml
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wirewatch/wirewatch/watcher/feedfarm"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "feedfarm:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("feedfarm", flag.ContinueOnError)
	var (
		opts feedfarm.Options
		dir  string
	)
	fs.IntVar(&opts.Feeds, "feeds", 1000, "number of feeds")
	fs.IntVar(&opts.Hosts, "hosts", 0, "loopback addresses to spread them over (default min(feeds, 250))")
	fs.DurationVar(&opts.Latency, "latency", 0, "delay before every answer")
	fs.Float64Var(&opts.Mix.ServerError, "errors", 0, "fraction of feeds answering 503")
	fs.Float64Var(&opts.Mix.NotFound, "notfound", 0, "fraction of feeds answering 404")
	fs.Float64Var(&opts.Mix.Slow, "slow", 0, "fraction of feeds answering after -slow-delay")
	fs.DurationVar(&opts.SlowDelay, "slow-delay", time.Minute, "delay of slow feeds")
	fs.StringVar(&opts.Corpus, "corpus", feedfarm.CorpusDir(), "feed corpus directory (empty: generated documents)")
	fs.StringVar(&dir, "dir", "", "write feeds.opml and config.toml here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	farm, err := feedfarm.Start(opts)
	if err != nil {
		return err
	}
	defer farm.Close()
	if dir != "" {
		if err := writeFiles(dir, farm.URLs()); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "feedfarm: serving %d feeds (%d documents) on %d loopback addresses\n", len(farm.URLs()), farm.Docs(), farm.Hosts())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	for {
		select {
		case <-usr1:
			printStats(out, farm.Stats())
		case <-ctx.Done():
			printStats(out, farm.Stats())
			return nil
		}
	}
}

func printStats(w io.Writer, s feedfarm.Stats) {
	fmt.Fprintf(w, "feedfarm: requests %d, 304 %d, body bytes %d, wire bytes %d\n", s.Requests, s.NotModified, s.Bytes, s.WireBytes)
}

func writeFiles(dir string, urls []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "feeds.opml"))
	if err != nil {
		return err
	}
	fmt.Fprintln(f, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(f, `<opml version="2.0"><head><title>feedfarm</title></head><body>`)
	for i, u := range urls {
		fmt.Fprintf(f, "<outline text=\"farm%05d\" type=\"rss\" xmlUrl=\"%s\"/>\n", i, u)
	}
	fmt.Fprintln(f, "</body></opml>")
	if err := f.Close(); err != nil {
		return err
	}
	cfg := `# Written by feedfarm: every farm feed, the default [poll] limits, and a
# firehose topic (every item is stored: the heaviest load on the store).
opml = "feeds.opml"

[store]
path = "farm.db"

[poll]
concurrency = 16
per_host = 1
host_spacing = "1s"

[[topic]]
name = "all"
`
	return os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o644)
}
