package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// Poller defaults.
const (
	DefaultConcurrency     = 16
	DefaultPerHost         = 1
	DefaultHostSpacing     = time.Second
	DefaultShutdownTimeout = 10 * time.Second
	DefaultHeartbeat       = 5 * time.Second
	flushEvery             = time.Second
	flushBatch             = 512
)

// Feed is one configured feed as the poller sees it.
type Feed struct {
	Name string
	URL  string
	// Interval overrides the poller's default interval; zero keeps it.
	Interval time.Duration
	// Schedule, when set, replaces the interval with cron firing times.
	Schedule Schedule
}

// Outcome is what a Handler made of one document.
type Outcome struct {
	// Items, New and Kept count the document's items, those not seen
	// before, and those stored.
	Items, New, Kept int
	// TTL, SkipHours (GMT) and SkipDays are the feed's own hints (RSS
	// <ttl>, <skipHours>, <skipDays>); they only ever delay the next poll.
	TTL       time.Duration
	SkipHours []int
	SkipDays  []time.Weekday
}

// Handler turns one fetched document into stored items. Its errors count
// as permanent failures unless it returns an *Error with another class.
type Handler func(ctx context.Context, feed string, resp *Response, fetched time.Time) (Outcome, error)

// Result is the report of one poll of one feed.
type Result struct {
	Feed string
	URL  string
	// Moved is the new URL after a permanent redirect.
	Moved    string
	Start    time.Time
	Duration time.Duration
	// Status is the HTTP status (0 without a response).
	Status      int
	NotModified bool
	// Bytes were read off the network.
	Bytes   int64
	Outcome Outcome
	// Err is the failure (nil on success) and Class its class.
	Err   error
	Class Class
	// Skipped says why a Round did not poll the feed (backoff,
	// Retry-After, gone); empty when it was polled.
	Skipped string
	// NextDue is when the feed is due next; zero for a gone feed.
	NextDue time.Time
}

// PollerOptions configure a Poller. Fetcher, Handler and Store are
// required; zero values elsewhere take the defaults.
type PollerOptions struct {
	Fetcher *Fetcher
	Handler Handler
	Store   *store.Store
	Logger  *slog.Logger
	Clock   Clock

	// Interval is the default poll interval (at least MinInterval).
	Interval time.Duration
	// MaxBackoff caps the wait between attempts of a failing feed.
	MaxBackoff time.Duration
	// Spread bounds the random delay of a feed's first poll.
	Spread time.Duration
	// Concurrency limits fetches in flight; PerHost limits them per host,
	// whose request starts are at least HostSpacing apart (negative: no
	// spacing).
	Concurrency int
	PerHost     int
	HostSpacing time.Duration
	// ShutdownTimeout is how long Run lets in-flight polls finish after
	// its context ends before cancelling them.
	ShutdownTimeout time.Duration

	// Heartbeat is the longest the loop sleeps; every pass of the loop
	// calls Progress, so a watchdog fed by Progress stops being fed when
	// the loop wedges.
	Heartbeat time.Duration
	// Ready is called once by Run when the schedule is running.
	Ready func()
	// Progress is called on every pass of the scheduling loop.
	Progress func()
	// Observe is called with every poll's Result, from the loop goroutine;
	// it must not block (metrics, logs).
	Observe func(Result)

	// Rand returns a uniform int64 in [0, n); nil uses math/rand/v2.
	Rand func(n int64) int64
}

// Poller polls feeds on their schedules through a Fetcher and a Handler,
// keeping each feed's state in the store. Run is the daemon loop; Round is
// one pass for `wirewatch poll`. Only one of them runs at a time.
type Poller struct {
	opts PollerOptions
	pol  policy
	log  *slog.Logger

	mu      sync.Mutex
	feeds   map[string]*feedEntry // guarded by mu
	looping bool                  // guarded by mu: Run's loop applies reloads
	pending []*feedEntry          // guarded by mu: SetFeeds' list for the loop
	applied chan struct{}         // guarded by mu: closed when pending is applied
	wake    chan struct{}

	busy         atomic.Bool
	lastProgress atomic.Int64
}

type feedEntry struct {
	Feed
	state store.FeedState
	due   time.Time // zero: not scheduled (gone, or not yet picked up)
	idx   int       // index in the due heap, -1 when absent
	busy  bool      // a poll is in flight
	queue bool      // waiting in a host queue
	gone  bool      // removed from the configuration while in flight
}

// NewPoller validates the options and loads the stored state of the given
// feeds.
func NewPoller(ctx context.Context, opts PollerOptions, feeds []Feed) (*Poller, error) {
	if opts.Fetcher == nil || opts.Handler == nil || opts.Store == nil {
		return nil, errors.New("poller needs a fetcher, a handler and a store")
	}
	setDefaults(&opts)
	if opts.Interval < MinInterval {
		return nil, fmt.Errorf("poll interval %s is below the minimum %s", opts.Interval, MinInterval)
	}
	p := &Poller{
		opts:  opts,
		log:   opts.Logger.With("component", "poller"),
		feeds: map[string]*feedEntry{},
		wake:  make(chan struct{}, 1),
		pol: policy{
			interval: opts.Interval, maxBackoff: opts.MaxBackoff,
			spread: opts.Spread, rand: opts.Rand,
		},
	}
	entries, err := p.entries(ctx, feeds)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		p.feeds[e.Name] = e
	}
	return p, nil
}

func setDefaults(o *PollerOptions) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Interval, DefaultInterval)
	def(&o.MaxBackoff, DefaultMaxBackoff)
	def(&o.Spread, DefaultSpread)
	def(&o.HostSpacing, DefaultHostSpacing)
	def(&o.ShutdownTimeout, DefaultShutdownTimeout)
	def(&o.Heartbeat, DefaultHeartbeat)
	if o.HostSpacing < 0 {
		o.HostSpacing = 0
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
}

// entries builds feed entries with their stored state. A state recorded
// for another configured URL is started afresh.
func (p *Poller) entries(ctx context.Context, feeds []Feed) ([]*feedEntry, error) {
	states, err := p.opts.Store.FeedStates(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]store.FeedState, len(states))
	for _, st := range states {
		byName[st.Name] = st
	}
	out := make([]*feedEntry, 0, len(feeds))
	seen := map[string]bool{}
	for _, f := range feeds {
		if f.Name == "" || seen[f.Name] {
			return nil, fmt.Errorf("feed name %q is empty or repeated", f.Name)
		}
		seen[f.Name] = true
		if f.Interval != 0 && f.Interval < MinInterval {
			return nil, fmt.Errorf("feed %q: interval %s is below the minimum %s", f.Name, f.Interval, MinInterval)
		}
		st, ok := byName[f.Name]
		if !ok || st.OriginalURL != f.URL {
			st = store.FeedState{Name: f.Name, URL: f.URL, OriginalURL: f.URL}
		}
		out = append(out, &feedEntry{Feed: f, state: st, idx: -1})
	}
	return out, nil
}

// SetFeeds replaces the configured feeds (a reload): new feeds are
// scheduled with the usual spread, removed ones stop after any poll in
// flight, and changed ones take their new URL or cadence at once (a new
// URL starts afresh within the spread; a shorter interval or another cron
// schedule brings a due time it no longer justifies forward, while backoff
// and Retry-After still hold). It is safe to call while Run runs, and
// returns once the change is in effect.
func (p *Poller) SetFeeds(ctx context.Context, feeds []Feed) error {
	entries, err := p.entries(ctx, feeds)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if !p.looping {
		p.applyFeeds(entries, nil, p.opts.Clock.Now())
		p.mu.Unlock()
		return nil
	}
	if p.applied != nil { // an earlier reload the loop has not taken yet
		close(p.applied)
	}
	applied := make(chan struct{})
	p.pending, p.applied = entries, applied
	p.mu.Unlock()
	p.kick()
	select {
	case <-applied:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Poller) kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// States returns a copy of every configured feed's state, ordered by name.
func (p *Poller) States() []store.FeedState {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]store.FeedState, 0, len(p.feeds))
	for _, e := range p.feeds {
		out = append(out, e.state)
	}
	slices.SortFunc(out, func(a, b store.FeedState) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// LastProgress is when the scheduling loop last made a pass (zero before
// Run): a watchdog or /healthz compares it with the heartbeat.
func (p *Poller) LastProgress() time.Time {
	n := p.lastProgress.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// hostKey is the per-host limit's key: the host name without the port.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Hostname())
}
