package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sdnotify "github.com/coreos/go-systemd/v22/daemon"

	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

// The daemon's service layer: everything `wirewatch run` does besides
// polling. It serves the socket API and the optional HTTP listener, talks
// to systemd (sd_notify), keeps the feed-health summary and the metrics,
// and reloads the config on SIGHUP. `run` wires it to the poller:
//
//	svc, err := a.startService(ctx, cfg, st, pipe)  // after the store is open
//	defer svc.Close()
//	// PollerOptions: Ready: svc.Ready, Progress: svc.Progress,
//	//                Observe: convert each Result and call svc.ObservePoll
//	// the poller's Handler calls svc.ObserveIngest(feed, report)
//	go svc.HandleReloads(ctx, func(ctx context.Context, cfg *Config) error {
//		... pipe.SetTopics, poller.SetFeeds, digests ...
//	})
//	err = poller.Run(ctx)
//
// sd_notify protocol, in order: READY=1 once the poller calls Ready (the
// store is open and the schedule running); WATCHDOG=1 every half
// WatchdogSec, but only while the poll loop made a pass within [daemon]
// stall; RELOADING=1 then READY=1 around each SIGHUP; STOPPING=1 as soon
// as the root context ends; STATUS= a one-line summary with each watchdog
// tick. Outside systemd (no NOTIFY_SOCKET) nothing is sent.

// statusEvery is how often STATUS= is refreshed when systemd does not ask
// for watchdog pings.
const statusEvery = 30 * time.Second

// wedgeEnv is a test-only knob: WIREWATCH_TEST_WEDGE_AFTER=N makes the
// poll loop's (N+1)th call of Progress block until shutdown, exactly as a
// loop wedged inside its own pass would. Tests use it to see watchdog pings
// stop. Never set it in production.
const wedgeEnv = "WIREWATCH_TEST_WEDGE_AFTER"

// pollEvent is what the service learns from one poll of one feed; `run`
// converts the poller's result into it.
type pollEvent struct {
	Feed string
	// Result is "ok", "not_modified", "transient" or "permanent".
	Result   string
	Status   int
	Duration time.Duration
	Bytes    int64
	Time     time.Time
}

// Poll results of pollEvent.Result.
const (
	resultOK          = "ok"
	resultNotModified = "not_modified"
	resultTransient   = "transient"
	resultPermanent   = "permanent"
)

// service is the daemon's systemd face, servers, health and metrics.
type service struct {
	log    *slog.Logger
	notify func(state string)
	now    func() time.Time
	stall  time.Duration
	cfg    atomic.Pointer[Config]

	ready        atomic.Bool
	lastProgress atomic.Int64 // unix nanoseconds of the loop's last pass
	progressN    atomic.Int64
	wedgeAfter   int64 // test knob; 0 = off
	rootDone     <-chan struct{}

	mu         sync.Mutex
	feeds      []string        // configured feed names, sorted; guarded by mu
	failing    map[string]bool // feed -> last poll failed; guarded by mu
	day        string          // local date itemsToday counts; guarded by mu
	itemsToday int             // guarded by mu
	reloadErr  string          // last rejected reload, for STATUS; guarded by mu

	metrics *metrics
	api     *apiServer
	web     *http.Server
	webAddr string
	webDone chan error

	bg   context.Context // ends when Close starts
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// startService starts the daemon's servers for an open store: the socket
// API on [daemon] socket and, when [http] listen is set, /metrics and
// /healthz. It also starts the notifier goroutines (STOPPING=1 when ctx
// ends, watchdog and STATUS ticks). Close stops everything it started.
func (a *app) startService(ctx context.Context, cfg *Config, st *store.Store, pipe *watcher.Pipeline) (*service, error) {
	log := a.logger().With("component", "service")
	s := &service{
		log:      log,
		now:      a.now,
		stall:    cfg.StallAfter(),
		failing:  map[string]bool{},
		metrics:  newMetrics(),
		rootDone: ctx.Done(),
	}
	s.notify = func(state string) {
		if _, err := sdnotify.SdNotify(false, state); err != nil {
			log.Warn("sd_notify failed", "err", err)
		}
	}
	if v := os.Getenv(wedgeEnv); v != "" {
		s.wedgeAfter, _ = strconv.ParseInt(v, 10, 64)
		log.Warn("test knob set: the poll loop will wedge", "env", wedgeEnv, "after", s.wedgeAfter)
	}
	s.cfg.Store(cfg)
	s.setFeeds(cfg)
	s.metrics.bind(s)
	s.seedItemsToday(ctx, st)

	socket := cfg.SocketPath(st.Path())
	ln, err := listenUnix(socket, cfg.Daemon.SocketGroup, log)
	if err != nil {
		return nil, fmt.Errorf("socket API: %w", err)
	}
	s.api = &apiServer{
		st: st, pipe: pipe, log: a.logger().With("component", "api"), now: a.now,
		status: apiStatus{PID: os.Getpid(), Version: Version(), DB: st.Path(), Socket: socket},
		cfg:    s.cfg.Load,
	}
	pipe.OnIngest(s.ObserveIngest)
	s.api.serve(ln)
	log.Info("socket API listening", "path", socket)
	if cfg.HTTP.Listen != "" {
		if err := s.listenHTTP(cfg.HTTP.Listen); err != nil {
			s.api.shutdown(context.Background())
			return nil, err
		}
	}
	s.bg, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.wg.Go(func() { s.notifyLoop(ctx, s.bg) })
	return s, nil
}

// listenHTTP serves /metrics and /healthz on addr.
func (s *service) listenHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	s.web = &http.Server{
		Handler:           s.httpHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.webDone = make(chan error, 1)
	go func() {
		err := s.web.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.webDone <- err
	}()
	s.webAddr = ln.Addr().String()
	s.log.Info("metrics listening", "addr", s.webAddr)
	return nil
}

// Close stops the servers and notifier goroutines: requests in flight get
// five seconds. Call it after the poller returned and before closing the
// store.
func (s *service) Close() error {
	s.stop()
	s.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.api.shutdown(ctx)
	if s.web != nil {
		if werr := s.web.Shutdown(ctx); werr != nil {
			s.web.Close()
		}
		<-s.webDone
	}
	return err
}

// Ready tells systemd the daemon is up. The poller calls it once its
// schedule is running (the store is open by then).
func (s *service) Ready() {
	s.lastProgress.Store(s.now().UnixNano())
	s.ready.Store(true)
	s.notify("READY=1\nSTATUS=" + s.statusLine())
	s.log.Info("ready")
}

// Progress records a pass of the poll loop; the watchdog and /healthz
// look at the last one.
func (s *service) Progress() {
	n := s.progressN.Add(1)
	if s.wedgeAfter > 0 && n > s.wedgeAfter {
		<-s.rootDone // the test knob: wedge this pass until shutdown
		return
	}
	s.lastProgress.Store(s.now().UnixNano())
}

// healthy reports whether the poll loop made a pass within the stall
// limit, and since when it has not.
func (s *service) healthy() (bool, time.Duration) {
	if !s.ready.Load() {
		return false, 0
	}
	since := s.now().Sub(time.Unix(0, s.lastProgress.Load()))
	return since <= s.stall, since
}

// notifyLoop sends STOPPING=1 when the root context ends, and WATCHDOG=1
// (while healthy) and STATUS= on every tick.
func (s *service) notifyLoop(root, bg context.Context) {
	wd, err := sdnotify.SdWatchdogEnabled(false)
	if err != nil {
		s.log.Warn("watchdog settings", "err", err)
	}
	every := statusEvery
	if wd > 0 {
		every = wd / 2
		s.log.Info("systemd watchdog enabled", "interval", wd, "stall", s.stall)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	stalled := false
	for {
		select {
		case <-root.Done():
			s.notify("STOPPING=1")
			s.log.Info("stopping")
			return
		case <-bg.Done():
			return
		case <-t.C:
		}
		ok, since := s.healthy()
		switch {
		case ok:
			if stalled {
				s.log.Info("poll loop progressing again")
			}
			stalled = false
			if wd > 0 {
				s.notify("WATCHDOG=1")
			}
		case s.ready.Load() && !stalled:
			stalled = true
			s.log.Error("poll loop stalled: withholding watchdog pings", "since", since.Round(time.Second))
		}
		s.notify("STATUS=" + s.statusLine())
	}
}

// statusLine is the one-line summary for STATUS=: feed health, items kept
// today, and a stall or rejected reload when there is one.
func (s *service) statusLine() string {
	s.mu.Lock()
	ok, failing, pending := 0, 0, 0
	for _, f := range s.feeds {
		switch fail, polled := s.failing[f]; {
		case !polled:
			pending++
		case fail:
			failing++
		default:
			ok++
		}
	}
	today, reloadErr := s.itemsToday, s.reloadErr
	if s.day != s.now().Format(time.DateOnly) {
		today = 0
	}
	s.mu.Unlock()
	line := fmt.Sprintf("feeds %d ok, %d failing", ok, failing)
	if pending > 0 {
		line += fmt.Sprintf(", %d not polled yet", pending)
	}
	line += fmt.Sprintf("; %d items today", today)
	if healthy, since := s.healthy(); !healthy && s.ready.Load() {
		line += fmt.Sprintf("; POLL LOOP STALLED %s", since.Round(time.Second))
	}
	if reloadErr != "" {
		line += "; last reload rejected: " + reloadErr
	}
	return line
}

// setFeeds records the configured feed names for the health summary and
// forgets the health of feeds no longer configured.
func (s *service) setFeeds(cfg *Config) {
	names := make([]string, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds = names
	for f := range s.failing {
		if _, found := slices.BinarySearch(names, f); !found {
			delete(s.failing, f)
		}
	}
}

// ObservePoll records one poll: feed health and fetch metrics.
func (s *service) ObservePoll(e pollEvent) {
	failed := e.Result == resultTransient || e.Result == resultPermanent
	s.mu.Lock()
	s.failing[e.Feed] = failed
	nfail := 0
	for _, f := range s.failing {
		if f {
			nfail++
		}
	}
	s.mu.Unlock()
	s.metrics.observePoll(e, nfail)
}

// ObserveIngest records one document run through the pipeline (by the
// poller or through the socket): item counts per feed and topic.
func (s *service) ObserveIngest(feed string, rep watcher.Report) {
	day := s.now().Format(time.DateOnly)
	s.mu.Lock()
	if s.day != day {
		s.day, s.itemsToday = day, 0
	}
	s.itemsToday += rep.Kept
	s.mu.Unlock()
	s.metrics.observeIngest(feed, rep)
}

// ObserveDigest records one digest delivery attempt; result is e.g.
// "delivered", "retry" or "failed".
func (s *service) ObserveDigest(digest, result string) {
	s.metrics.digests.WithLabelValues(digest, result).Inc()
}

// seedItemsToday counts the items stored since local midnight, so STATUS
// survives a restart.
func (s *service) seedItemsToday(ctx context.Context, st *store.Store) {
	now := s.now()
	y, m, d := now.Date()
	items, err := st.Items(ctx, store.Query{Since: time.Date(y, m, d, 0, 0, 0, 0, now.Location())})
	if err != nil {
		s.log.Warn("counting today's items", "err", err)
		return
	}
	s.mu.Lock()
	s.day, s.itemsToday = now.Format(time.DateOnly), len(items)
	s.mu.Unlock()
}
