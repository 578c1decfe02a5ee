package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

func (a *app) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: poll every feed on its schedule",
		Long: `Run polls every configured feed on its schedule ([poll] interval, a
feed's own interval or cron schedule, and the hints its server gives),
runs each new document through the pipeline and stores what the topics
keep. It runs until SIGINT or SIGTERM: then it starts no new poll, lets
those in flight finish until [poll] shutdown_timeout, cancels the rest,
saves every feed's state and exits 0. SIGHUP re-reads the config: feeds
and topics added, removed or changed take effect at once; an invalid
config is logged and the old one kept.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc := a.newService()
			d, err := a.newDaemon(ctx, svc.hooks())
			if err != nil {
				return err
			}
			if err := svc.start(d); err != nil {
				d.Close()
				return err
			}
			defer svc.Close()
			reload, stopSignals := reloadOnSIGHUP(ctx)
			defer stopSignals()
			return d.Run(ctx, reload)
		},
	}
}

// reloadOnSIGHUP turns SIGHUP into reload requests until ctx ends or stop
// is called; stop waits for its goroutine.
func reloadOnSIGHUP(ctx context.Context) (<-chan struct{}, func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select {
				case reload <- struct{}{}:
				default: // a reload is already pending
				}
			}
		}
	})
	return reload, func() {
		signal.Stop(hup)
		cancel()
		wg.Wait()
	}
}

// daemonHooks let a service layer (sd_notify, watchdog, metrics, status
// line) follow the daemon without the daemon knowing about it. Every hook
// is optional, is called from the daemon's goroutines and must not block.
type daemonHooks struct {
	// Ready: the store is open, the config loaded and the schedule running.
	Ready func()
	// Progress: the scheduling loop made a pass. It runs at least every
	// few seconds while the loop is healthy (watcher.DefaultHeartbeat) and
	// stops when the loop wedges: feed a watchdog from it, not a timer.
	Progress func()
	// Reloading and Reloaded bracket a reload; err is nil when the new
	// config took effect, else the reason it was rejected (the old one
	// stays).
	Reloading func()
	Reloaded  func(err error)
	// Stopping: shutdown has begun (no new polls).
	Stopping func()
	// Observe: one poll finished (metrics: status, duration, bytes, items).
	Observe func(watcher.Result)
	// Digest: one digest delivery attempt finished; result is
	// "delivered", "retry" or "failed" (digest.AttemptResult).
	Digest func(name, result string)
}

// daemon is `wirewatch run`: the store, the pipeline and the poller, and
// the config they were built from. Other long-running parts (the socket
// API, an HTTP listener) use Store and States while Run runs.
type daemon struct {
	cfg     *Config
	st      *store.Store
	pipe    *watcher.Pipeline
	fetcher *watcher.Fetcher
	poller  *watcher.Poller
	log     *slog.Logger
	hooks   daemonHooks
	digests *digest.Runner // sends [[digest]]s on their schedules; swapped on reload
	// digestsDown is why the last reload could not restart the digest
	// runner (digests is then the closed old one); guarded by mu.
	digestsDown error

	mu sync.Mutex // serialises reloads and guards cfg
}

// newDaemon loads the config, opens the store read-write and builds the
// poller. The caller must call Run (which closes the store) or Close.
func (a *app) newDaemon(ctx context.Context, hooks daemonHooks) (*daemon, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	topics, err := cfg.CompileTopics()
	if err != nil {
		return nil, err
	}
	feeds, err := cfg.PollFeeds()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(false)
	if err != nil {
		return nil, err
	}
	log := a.logger()
	d := &daemon{cfg: cfg, st: st, log: log, hooks: hooks}
	d.pipe = watcher.NewPipeline(st, topics, log.With("component", "pipeline"))
	d.fetcher = watcher.NewFetcher(cfg.Poll.fetchOptions())
	opts := cfg.Poll.pollerOptions()
	opts.Fetcher, opts.Handler, opts.Store, opts.Logger = d.fetcher, watcher.IngestHandler(d.pipe), st, log
	opts.Ready, opts.Progress = hooks.Ready, hooks.Progress
	opts.Observe = d.observe
	d.poller, err = watcher.NewPoller(ctx, opts, feeds)
	if err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

// Store is the daemon's open database, for read APIs while Run runs.
func (d *daemon) Store() *store.Store { return d.st }

// States returns every configured feed's current state (from memory: it
// is newer than the store's copy, which is saved about once a second).
func (d *daemon) States() []store.FeedState { return d.poller.States() }

// LastProgress is when the scheduling loop last made a pass.
func (d *daemon) LastProgress() time.Time { return d.poller.LastProgress() }

// Run polls until ctx ends, reloading the config on every value from
// reload. It then shuts down (see runCmd) and closes the store; it returns
// nil after a clean shutdown.
func (d *daemon) Run(ctx context.Context, reload <-chan struct{}) error {
	defer d.Close()
	dr, err := startDigests(ctx, d.st, d.cfg, d.log, d.hooks.Digest)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.digests = dr
	d.mu.Unlock()
	defer func() { // runs before d.Close: the outbox needs the store
		r, _ := d.runner()
		r.Close()
	}()
	errc := make(chan error, 1)
	go func() { errc <- d.poller.Run(ctx) }()
	d.log.Info("wirewatch running", "version", Version(), "feeds", len(d.cfg.Feeds), "store", d.st.Path())
	for {
		select {
		case <-reload:
			d.Reload(ctx)
		case <-ctx.Done():
			d.log.Info("shutting down")
			if d.hooks.Stopping != nil {
				d.hooks.Stopping()
			}
			if err := <-errc; err != nil {
				return err
			}
			d.log.Info("stopped")
			return nil
		case err := <-errc: // the poller stopped on its own: it could not save
			return err
		}
	}
}

// Close releases the fetcher's connections and closes the store.
func (d *daemon) Close() error {
	d.fetcher.CloseIdleConnections()
	return d.st.Close()
}

// Reload re-reads the config file. Feeds and topics take effect at once;
// [store] and [poll] changes need a restart and say so in the log. An
// invalid config is logged with every problem and the old one stays.
func (d *daemon) Reload(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.hooks.Reloading != nil {
		d.hooks.Reloading()
	}
	err := d.reload(ctx)
	if err != nil {
		d.log.Error("reload rejected; keeping the running config", "err", err)
	}
	if d.hooks.Reloaded != nil {
		d.hooks.Reloaded(err)
	}
	return err
}

func (d *daemon) reload(ctx context.Context) error {
	cfg, err := LoadConfig(d.cfg.File())
	if err != nil {
		return err
	}
	topics, err := cfg.CompileTopics()
	if err != nil {
		return err
	}
	feeds, err := cfg.PollFeeds()
	if err != nil {
		return err
	}
	if _, err := cfg.DigestDefinitions(); err != nil { // secrets readable, schedules valid
		return err
	}
	if err := d.poller.SetFeeds(ctx, feeds); err != nil {
		return err
	}
	d.pipe.SetTopics(topics)
	if d.digests != nil {
		// The old runner finishes (or cancels) its attempt before the new
		// one starts: the outbox keeps one pending digest per name.
		d.digests.Close()
		dr, err := startDigests(ctx, d.st, cfg, d.log, d.hooks.Digest)
		if err != nil {
			d.digestsDown = err
			return fmt.Errorf("digests stopped until the next reload: %w", err)
		}
		d.digests, d.digestsDown = dr, nil
	}
	if cfg.StorePath() != d.cfg.StorePath() || cfg.Poll != d.cfg.Poll {
		d.log.Warn("[store] and [poll] changes take effect after a restart")
	}
	d.cfg = cfg
	d.log.Info("config reloaded", "feeds", len(feeds), "topics", len(topics))
	return nil
}

// runner is the current digest runner (a reload replaces it), and why it
// is closed when a reload could not restart the digests.
func (d *daemon) runner() (*digest.Runner, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.digests, d.digestsDown
}

// SendDigest is `wirewatch digest send NAME` inside the daemon: one
// attempt through the running digest runner, so it is serialised with the
// schedule and the retries. A reload that swaps the runner meanwhile is
// waited out; shutdown is an error.
func (d *daemon) SendDigest(ctx context.Context, name string) (store.Digest, bool, error) {
	for {
		r, _ := d.runner()
		if r == nil {
			return store.Digest{}, false, errors.New("the daemon is starting: run the command again")
		}
		rec, ok, err := r.Send(ctx, name)
		if !errors.Is(err, digest.ErrClosed) {
			return rec, ok, err
		}
		now, down := d.runner()
		if now != r {
			continue // a reload replaced the runner: send through the new one
		}
		if down != nil {
			return rec, ok, fmt.Errorf("the daemon's digests are stopped since a reload failed to restart them (%v): fix the config and reload", down)
		}
		return rec, ok, errors.New("the daemon is shutting down: run the command again once it stopped")
	}
}

func (d *daemon) observe(r watcher.Result) {
	if d.hooks.Observe != nil {
		d.hooks.Observe(r)
	}
	if r.Err != nil {
		return // the poller logs failures, rate-limited
	}
	d.log.Debug("polled", "feed", r.Feed, "url", r.URL, "status", r.Status, "duration", r.Duration,
		"bytes", r.Bytes, "items", r.Outcome.Items, "new", r.Outcome.New, "kept", r.Outcome.Kept, "next_due", r.NextDue)
}
