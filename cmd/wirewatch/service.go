package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
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
// to systemd (sd_notify), keeps the status line and the metrics, and
// follows reloads. `run` wires it to the daemon through daemonHooks:
//
//	svc := a.newService()
//	d, err := a.newDaemon(ctx, svc.hooks())  // opens the store, builds the poller
//	err = svc.start(d)                       // socket API, metrics, notifier
//	defer svc.Close()
//	err = d.Run(ctx, reload)
//
// sd_notify protocol, in order: READY=1 once the poller calls Ready (the
// store is open and the schedule running); WATCHDOG=1 every half
// WatchdogSec, but only while the poll loop made a pass within [daemon]
// stall; RELOADING=1 then READY=1 around each reload, applied or
// rejected; STOPPING=1 when shutdown begins; STATUS= a one-line summary
// with each tick. Outside systemd (no NOTIFY_SOCKET) nothing is sent.

// statusEvery is how often STATUS= is refreshed when systemd does not ask
// for watchdog pings.
const statusEvery = 30 * time.Second

// wedgeEnv is a test-only knob: WIREWATCH_TEST_WEDGE_AFTER=N makes the
// poll loop's (N+1)th call of Progress block until shutdown, exactly as a
// loop wedged inside its own pass would. Tests use it to see watchdog pings
// stop. Never set it in production.
const wedgeEnv = "WIREWATCH_TEST_WEDGE_AFTER"

// pollResult names a poll's outcome for metrics: "ok", "not_modified",
// "transient" or "permanent".
func pollResult(r watcher.Result) string {
	switch {
	case r.Err == nil && r.NotModified:
		return "not_modified"
	case r.Err == nil:
		return "ok"
	case r.Class == watcher.ClassTransient:
		return "transient"
	default:
		return "permanent"
	}
}

// service is the daemon's systemd face, servers, status line and metrics.
type service struct {
	base   *slog.Logger // the process logger
	log    *slog.Logger
	notify func(state string)
	now    func() time.Time

	d     *daemon // set by start
	stall time.Duration

	ready        atomic.Bool
	lastProgress atomic.Int64 // unix nanoseconds of the loop's last pass
	progressN    atomic.Int64
	wedgeAfter   int64         // test knob; 0 = off
	stopping     chan struct{} // closed when shutdown begins
	stopOnce     sync.Once

	mu         sync.Mutex
	day        string  // local date itemsToday counts; guarded by mu
	itemsToday int     // guarded by mu
	reloadErr  string  // last rejected reload, for STATUS; guarded by mu
	reloadFrom *Config // the config a reload started from; guarded by mu

	metrics *metrics
	api     *apiServer
	web     *http.Server
	webAddr string
	webDone chan error

	bg   context.Context // ends when Close starts
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// newService makes the service before the daemon exists, so the daemon
// can be built with its hooks.
func (a *app) newService() *service {
	log := a.logger().With("component", "service")
	s := &service{base: a.logger(), log: log, now: a.now, metrics: newMetrics(), stopping: make(chan struct{})}
	s.notify = func(state string) {
		if _, err := sdnotify.SdNotify(false, state); err != nil {
			log.Warn("sd_notify failed", "err", err)
		}
	}
	if v := os.Getenv(wedgeEnv); v != "" {
		s.wedgeAfter, _ = strconv.ParseInt(v, 10, 64)
		log.Warn("test knob set: the poll loop will wedge", "env", wedgeEnv, "after", s.wedgeAfter)
	}
	s.bg, s.stop = context.WithCancel(context.Background())
	return s
}

// hooks are the daemon hooks that drive the service.
func (s *service) hooks() daemonHooks {
	return daemonHooks{
		Ready:     s.Ready,
		Progress:  s.Progress,
		Reloading: s.reloading,
		Reloaded:  s.reloaded,
		Stopping:  s.Stopping,
		Observe:   s.ObservePoll,
		Digest:    s.ObserveDigest,
	}
}

// start serves the daemon's store: the socket API on [daemon] socket and,
// when [http] listen is set, /metrics and /healthz; it starts the
// watchdog and STATUS ticks. Close stops everything it started.
func (s *service) start(d *daemon) error {
	s.d, s.stall = d, d.cfg.StallAfter()
	s.metrics.bind(s)
	s.seedItemsToday(d.st)
	d.pipe.OnIngest(s.ObserveIngest)

	socket := d.cfg.SocketPath(d.st.Path())
	ln, err := listenUnix(socket, d.cfg.Daemon.SocketGroup, s.log)
	if err != nil {
		return fmt.Errorf("socket API: %w", err)
	}
	s.api = &apiServer{
		st: d.st, pipe: d.pipe, states: d.States, log: s.base.With("component", "api"), now: s.now,
		status:     apiStatus{PID: os.Getpid(), Version: Version(), DB: d.st.Path(), Socket: socket},
		cfg:        d.config,
		sendDigest: d.SendDigest,
	}
	s.api.serve(ln)
	s.log.Info("socket API listening", "path", socket)
	if l := d.cfg.HTTP.Listen; l != "" {
		if err := s.listenHTTP(l); err != nil {
			s.api.shutdown(context.Background())
			return err
		}
	}
	s.wg.Go(s.notifyLoop)
	return nil
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
	s.webAddr = ln.Addr().String()
	s.webDone = make(chan error, 1)
	go func() {
		err := s.web.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.webDone <- err
	}()
	s.log.Info("metrics listening", "addr", s.webAddr)
	return nil
}

// Close stops the servers and the notifier: requests in flight get five
// seconds. It removes the socket file.
func (s *service) Close() error {
	s.stop()
	s.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if s.api != nil {
		err = s.api.shutdown(ctx)
	}
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
		<-s.stopping // the test knob: wedge this pass until shutdown
		return
	}
	s.lastProgress.Store(s.now().UnixNano())
}

// Stopping tells systemd that shutdown has begun and closes the socket
// API (requests in flight get five seconds) while the poller drains, so
// no request reaches the store after the daemon closes it.
func (s *service) Stopping() {
	s.stopOnce.Do(func() {
		close(s.stopping)
		s.notify("STOPPING=1")
		if s.api != nil {
			s.wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := s.api.shutdown(ctx); err != nil {
					s.log.Warn("closing the socket API", "err", err)
				}
			})
		}
	})
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

// notifyLoop sends WATCHDOG=1 (only while healthy) and STATUS= on every
// tick until Close or shutdown.
func (s *service) notifyLoop() {
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
		case <-s.bg.Done():
			return
		case <-s.stopping:
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

// feedCounts counts the configured feeds by health: last poll fine,
// failing, gone (410), and not polled yet.
func (s *service) feedCounts() (ok, failing, gone, pending int) {
	if s.d == nil {
		return
	}
	for _, st := range s.d.States() {
		switch {
		case st.Gone:
			gone++
		case st.LastAttempt.IsZero():
			pending++
		case st.Failing():
			failing++
		default:
			ok++
		}
	}
	return
}

// statusLine is the one-line summary for STATUS=: feed health, items kept
// today, and a stall or rejected reload when there is one.
func (s *service) statusLine() string {
	ok, failing, gone, pending := s.feedCounts()
	line := fmt.Sprintf("feeds %d ok, %d failing", ok, failing)
	if gone > 0 {
		line += fmt.Sprintf(", %d gone", gone)
	}
	if pending > 0 {
		line += fmt.Sprintf(", %d not polled yet", pending)
	}
	s.mu.Lock()
	today, reloadErr := s.itemsToday, s.reloadErr
	if s.day != s.now().Format(time.DateOnly) {
		today = 0
	}
	s.mu.Unlock()
	line += fmt.Sprintf("; %d items today", today)
	if healthy, since := s.healthy(); !healthy && s.ready.Load() {
		line += fmt.Sprintf("; POLL LOOP STALLED %s", since.Round(time.Second))
	}
	if reloadErr != "" {
		line += "; last reload rejected: " + reloadErr
	}
	return line
}

// ObservePoll records one poll in the metrics.
func (s *service) ObservePoll(r watcher.Result) {
	if r.Skipped != "" {
		return
	}
	s.metrics.observePoll(r)
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
func (s *service) seedItemsToday(st *store.Store) {
	now := s.now()
	y, m, d := now.Date()
	items, err := st.Items(context.Background(), store.Query{Since: time.Date(y, m, d, 0, 0, 0, 0, now.Location())})
	if err != nil {
		s.log.Warn("counting today's items", "err", err)
		return
	}
	s.mu.Lock()
	s.day, s.itemsToday = now.Format(time.DateOnly), len(items)
	s.mu.Unlock()
}

// config is the daemon's current config (reloads replace it).
func (d *daemon) config() *Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}
