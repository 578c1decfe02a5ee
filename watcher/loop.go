package watcher

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"
)

// dispatch is the state of one Run or Round: the due heap, the per-host
// queues and the polls in flight. Only the loop goroutine touches it; it
// touches feed entries only while holding p.mu.
type dispatch struct {
	p        *Poller
	due      dueHeap
	hosts    map[string]*hostQueue
	ready    []*hostQueue // hosts with queued feeds
	inFlight int
	results  chan result
	work     context.Context // the context polls run under
	round    bool            // Round: each feed is polled once, not rescheduled
	dirty    map[*feedEntry]bool
	flushed  time.Time
	saving   bool            // a background save is in flight
	saved    chan error      // its result
	saveCtx  context.Context // saves outlive the loop's context
	report   []Result
}

type hostQueue struct {
	name      string
	queue     []*feedEntry
	inFlight  int
	nextStart time.Time
	listed    bool // in dispatch.ready
}

type result struct {
	e    *feedEntry
	host *hostQueue
	res  Result
	resp *Response
}

func newDispatch(p *Poller, work context.Context, round bool) *dispatch {
	return &dispatch{
		saved:   make(chan error, 1),
		saveCtx: context.WithoutCancel(work),
		p:       p,
		hosts:   map[string]*hostQueue{},
		results: make(chan result, p.opts.Concurrency),
		work:    work,
		round:   round,
		dirty:   map[*feedEntry]bool{},
		flushed: p.opts.Clock.Now(),
	}
}

// Run polls every feed on its schedule until ctx ends. Then it starts no
// new poll, lets those in flight finish for up to ShutdownTimeout before
// cancelling them, saves every feed's state and returns nil. It returns an
// error only if it cannot start or the final save fails.
func (p *Poller) Run(ctx context.Context) error {
	if !p.busy.CompareAndSwap(false, true) {
		return errors.New("poller is already running")
	}
	defer p.busy.Store(false)

	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	d := newDispatch(p, work, false)
	now := p.opts.Clock.Now()
	p.mu.Lock()
	p.looping = true
	for _, e := range p.feeds {
		if !e.state.Gone {
			d.schedule(e, p.pol.initial(e, e.state, now))
		}
	}
	p.mu.Unlock()
	p.log.Info("poller running", "feeds", len(p.feeds))
	if p.opts.Ready != nil {
		p.opts.Ready()
	}
	d.loop(ctx)

	// Shutdown: no new polls; give those in flight a deadline, then cancel.
	if d.inFlight > 0 {
		p.log.Info("waiting for polls in flight", "count", d.inFlight, "deadline", p.opts.ShutdownTimeout)
		deadline := p.opts.Clock.NewTimer(p.opts.ShutdownTimeout)
	wait:
		for d.inFlight > 0 {
			select {
			case r := <-d.results:
				d.finish(r)
			case <-deadline.C():
				p.log.Warn("cancelling polls in flight at the shutdown deadline", "count", d.inFlight)
				cancelWork()
				break wait
			}
		}
		deadline.Stop()
		for d.inFlight > 0 {
			d.finish(<-d.results)
		}
	}
	// Save every feed, so due times (also the spread first ones) survive.
	p.mu.Lock()
	p.looping = false
	if p.applied != nil { // a reload that came too late for the loop
		p.applyFeeds(p.pending, nil, now)
		close(p.applied)
		p.pending, p.applied = nil, nil
	}
	for _, e := range p.feeds {
		d.dirty[e] = true
	}
	p.mu.Unlock()
	return d.flush()
}

// RoundOptions select the feeds of one Round.
type RoundOptions struct {
	// Feeds names the feeds to poll; empty means all.
	Feeds []string
	// Force polls feeds that are gone, backing off or under Retry-After.
	Force bool
}

// Round polls the selected feeds once, now, under the same concurrency and
// per-host limits as Run, and returns one Result per selected feed in
// name order. Feeds gone or still waiting out a backoff or a Retry-After
// are reported as skipped unless opts.Force. Cancelling ctx cancels polls
// in flight; their feeds are left as they were.
func (p *Poller) Round(ctx context.Context, opts RoundOptions) ([]Result, error) {
	if !p.busy.CompareAndSwap(false, true) {
		return nil, errors.New("poller is already running")
	}
	defer p.busy.Store(false)
	d := newDispatch(p, ctx, true)
	now := p.opts.Clock.Now()

	p.mu.Lock()
	selected, err := p.selectFeeds(opts.Feeds)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	for _, e := range selected {
		if why := skipReason(e, now); why != "" && !opts.Force {
			d.report = append(d.report, Result{Feed: e.Name, URL: e.state.URL, Skipped: why, NextDue: e.state.NextDue})
			continue
		}
		d.schedule(e, now)
	}
	p.mu.Unlock()
	d.loop(ctx)
	for d.inFlight > 0 { // ctx ended: polls see it and return
		d.finish(<-d.results)
	}
	err = d.flush()
	sortResults(d.report)
	return d.report, err
}

func (p *Poller) selectFeeds(names []string) ([]*feedEntry, error) {
	if len(names) == 0 {
		out := make([]*feedEntry, 0, len(p.feeds))
		for _, e := range p.feeds {
			out = append(out, e)
		}
		return out, nil
	}
	out := make([]*feedEntry, 0, len(names))
	for _, n := range names {
		e, ok := p.feeds[n]
		if !ok {
			return nil, fmt.Errorf("no feed named %q in the configuration", n)
		}
		out = append(out, e)
	}
	return out, nil
}

func skipReason(e *feedEntry, now time.Time) string {
	switch {
	case e.state.Gone:
		return "gone (410): remove it from the configuration, or poll with --force"
	case e.state.NotBefore.After(now):
		return fmt.Sprintf("waiting until %s after %d failure(s): %s", e.state.NotBefore.UTC().Format(time.RFC3339), e.state.ConsecutiveFailures, e.state.LastError)
	}
	return ""
}

// loop dispatches due feeds until ctx ends or, in a round, until every
// scheduled feed is done.
func (d *dispatch) loop(ctx context.Context) {
	p := d.p
	for {
		now := p.opts.Clock.Now()
		p.lastProgress.Store(now.UnixNano())
		if p.opts.Progress != nil {
			p.opts.Progress()
		}
		p.mu.Lock()
		if !d.round {
			d.applyReload(now)
		}
		d.release(now)
		d.start(now)
		wait := d.nextWake(now)
		p.mu.Unlock()
		if d.round && d.inFlight == 0 && len(d.ready) == 0 && d.due.Len() == 0 {
			return
		}
		d.maybeSave(now)
		t := p.opts.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case r := <-d.results:
			d.finish(r)
		case err := <-d.saved:
			d.saveDone(err)
		case <-p.wake:
		case <-t.C():
		}
		t.Stop()
	}
}

// schedule puts e in the due heap at t (p.mu held).
func (d *dispatch) schedule(e *feedEntry, t time.Time) {
	e.due = t
	e.state.NextDue = t
	if e.idx >= 0 {
		heap.Fix(&d.due, e.idx)
		return
	}
	heap.Push(&d.due, e)
}

// release moves due feeds from the heap to their host's queue (p.mu held).
func (d *dispatch) release(now time.Time) {
	for d.due.Len() > 0 && !d.due[0].due.After(now) {
		e := heap.Pop(&d.due).(*feedEntry)
		key := hostKey(e.state.URL)
		h := d.hosts[key]
		if h == nil {
			h = &hostQueue{name: key}
			d.hosts[key] = h
		}
		h.queue = append(h.queue, e)
		e.queue = true
		if !h.listed {
			h.listed = true
			d.ready = append(d.ready, h)
		}
	}
}

// start begins polls from ready hosts, round robin, within the global and
// per-host limits and the host spacing (p.mu held).
func (d *dispatch) start(now time.Time) {
	o := d.p.opts
	if d.inFlight >= o.Concurrency || len(d.ready) == 0 {
		return
	}
	waiting := d.ready[:0:0]
	var started []*hostQueue
	for _, h := range d.ready {
		did := false
		for len(h.queue) > 0 && h.inFlight < o.PerHost && !now.Before(h.nextStart) && d.inFlight < o.Concurrency {
			e := h.queue[0]
			h.queue[0] = nil
			h.queue = h.queue[1:]
			e.queue = false
			if e.gone { // removed by a reload while queued
				continue
			}
			h.inFlight++
			h.nextStart = now.Add(o.HostSpacing)
			d.launch(e, h, now)
			did = true
		}
		switch {
		case len(h.queue) == 0:
			h.listed = false
		case did:
			started = append(started, h)
		default:
			waiting = append(waiting, h)
		}
	}
	d.ready = append(waiting, started...)
}

// nextWake is how long the loop may sleep: until the next due feed, the
// next host whose spacing ends, or the heartbeat (p.mu held).
func (d *dispatch) nextWake(now time.Time) time.Duration {
	wait := d.p.opts.Heartbeat
	if d.due.Len() > 0 {
		wait = min(wait, d.due[0].due.Sub(now))
	}
	if d.inFlight < d.p.opts.Concurrency {
		for _, h := range d.ready {
			if h.inFlight < d.p.opts.PerHost {
				wait = min(wait, h.nextStart.Sub(now))
			}
		}
	}
	return max(wait, 0)
}
