package watcher

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// launch starts one poll in its own goroutine; the loop owns it through
// d.inFlight and receives its result on d.results (p.mu held).
func (d *dispatch) launch(e *feedEntry, h *hostQueue, now time.Time) {
	e.busy = true
	d.inFlight++
	req := Request{URL: e.state.URL, ETag: e.state.ETag, LastModified: e.state.LastModified}
	go func() {
		res, resp := d.p.poll(d.work, e.Name, req)
		d.results <- result{e: e, host: h, res: res, resp: resp}
	}()
}

// poll fetches one feed and hands the document to the handler. It touches
// no shared state.
func (p *Poller) poll(ctx context.Context, name string, req Request) (Result, *Response) {
	start := p.opts.Clock.Now()
	res := Result{Feed: name, URL: req.URL, Start: start}
	resp, err := p.opts.Fetcher.Fetch(ctx, req)
	if resp != nil {
		res.Status, res.Bytes, res.Moved, res.NotModified = resp.Status, resp.WireBytes, resp.Moved, resp.NotModified
	}
	if err == nil && !resp.NotModified {
		if looksLikeHTML(resp.Body) {
			err = Permanent(errors.New("not a feed: the server sent an HTML page"))
		} else {
			res.Outcome, err = p.opts.Handler(ctx, name, resp, start)
		}
	}
	res.Duration = p.opts.Clock.Now().Sub(start)
	if err != nil {
		res.Err = err
		if ctx.Err() == nil { // a cancelled poll has no class: it is not the feed's failure
			res.Class = ClassOf(err)
		}
		if e, ok := errors.AsType[*Error](err); ok && e.Status != 0 {
			res.Status = e.Status
		}
	}
	return res, resp
}

// looksLikeHTML reports whether a body is an HTML page rather than a feed.
func looksLikeHTML(body []byte) bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	b = b[:min(len(b), 64)]
	head := strings.ToLower(string(b))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

// finish applies a poll's result: the feed's state, its next due time, the
// report and the observer.
func (d *dispatch) finish(r result) {
	p := d.p
	d.inFlight--
	r.host.inFlight--
	p.mu.Lock()
	e := r.e
	e.busy = false
	if r.res.Err != nil && r.res.Class == 0 {
		// Cancelled: the feed keeps its state and its old due time.
		if !d.round && !e.gone {
			d.schedule(e, e.state.NextDue)
		}
	} else {
		p.record(e, &r.res, r.resp)
		d.dirty[e] = true
		if !d.round && !e.gone && !e.state.Gone {
			d.schedule(e, e.state.NextDue)
		}
	}
	p.mu.Unlock()
	if d.round {
		d.report = append(d.report, r.res)
	}
	if p.opts.Observe != nil {
		p.opts.Observe(r.res)
	}
}

// record updates a feed's state with a poll's result and sets its next
// due time (p.mu held).
func (p *Poller) record(e *feedEntry, res *Result, resp *Response) {
	now := p.opts.Clock.Now()
	st := &e.state
	st.LastAttempt = res.Start
	st.LastStatus = res.Status
	st.Requests++
	st.Bytes += res.Bytes
	if res.Moved != "" && res.Moved != st.URL {
		p.log.Info("feed moved permanently; polling the new url from now on", "feed", e.Name, "from", st.URL, "url", res.Moved)
		st.URL = res.Moved
	}
	if res.Err == nil {
		st.ConsecutiveFailures, st.Backoff, st.NotBefore, st.Gone = 0, 0, time.Time{}, false
		st.LastSuccess = now
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		st.FreshUntil = resp.FreshUntil // also from a 304; zero clears it
		if resp.NotModified {
			st.NotModified++
		} else {
			st.ItemsSeen += int64(res.Outcome.Items)
			st.ItemsKept += int64(res.Outcome.Kept)
			st.TTL, st.SkipHours, st.SkipDays = res.Outcome.TTL, res.Outcome.SkipHours, res.Outcome.SkipDays
		}
		st.NextDue = p.pol.afterSuccess(e, now, hints{
			ttl: st.TTL, freshUntil: st.FreshUntil, skipHours: st.SkipHours, skipDays: st.SkipDays,
		})
		res.NextDue = st.NextDue
		return
	}
	st.ConsecutiveFailures++
	st.LastError, st.LastErrorClass, st.LastErrorAt = res.Err.Error(), res.Class.String(), now
	n := st.ConsecutiveFailures
	log := p.log.With("feed", e.Name, "url", st.URL, "status", res.Status, "err", res.Err, "class", res.Class.String(), "failures", n)
	if res.Class == ClassGone {
		st.Gone, st.NextDue, st.NotBefore, st.Backoff = true, time.Time{}, time.Time{}, 0
		log.Warn("feed is gone (410); it is no longer polled")
		return
	}
	var retryAfter time.Time
	if fe, ok := errors.AsType[*Error](res.Err); ok {
		retryAfter = fe.RetryAfter
	}
	st.NextDue, st.Backoff = p.pol.afterFailure(e, now, n, retryAfter)
	st.NotBefore = st.NextDue
	res.NextDue = st.NextDue
	// Rate-limited: the first failure and then every power of two.
	if bits.OnesCount(uint(n)) == 1 {
		log.Warn("poll failed", "next_due", st.NextDue)
	} else {
		log.Debug("poll failed", "next_due", st.NextDue)
	}
}

// maybeSave starts saving changed feed states, every second or every
// flushBatch changes, in one write transaction for many polls. The write
// runs in its own goroutine so the loop never waits for the store's write
// lock; only one save is in flight, its result arrives on d.saved.
func (d *dispatch) maybeSave(now time.Time) {
	if d.saving || len(d.dirty) == 0 || (len(d.dirty) < flushBatch && now.Sub(d.flushed) < flushEvery) {
		return
	}
	d.flushed = now
	states := d.takeDirty()
	d.saving = true
	go func() { d.saved <- d.p.opts.Store.PutFeedStates(d.saveCtx, states...) }()
}

// saveDone records the end of a background save.
func (d *dispatch) saveDone(err error) {
	d.saving = false
	if err != nil {
		d.p.log.Error("saving feed states", "err", err)
	}
}

// flush waits for a background save and then saves what is left.
func (d *dispatch) flush() error {
	if d.saving {
		d.saveDone(<-d.saved)
	}
	return d.p.opts.Store.PutFeedStates(d.saveCtx, d.takeDirty()...)
}

func (d *dispatch) takeDirty() []store.FeedState {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	states := make([]store.FeedState, 0, len(d.dirty))
	for e := range d.dirty {
		states = append(states, e.state)
	}
	clear(d.dirty)
	return states
}

// applyReload installs the feed list SetFeeds left (p.mu held).
func (d *dispatch) applyReload(now time.Time) {
	p := d.p
	if p.applied == nil {
		return
	}
	p.applyFeeds(p.pending, d, now)
	close(p.applied)
	p.pending, p.applied = nil, nil
}

// applyFeeds replaces the feed entries by next, keeping the entries (and
// state) of feeds that stay. With a dispatch, it also schedules and
// unschedules them (p.mu held).
func (p *Poller) applyFeeds(next []*feedEntry, d *dispatch, now time.Time) {
	byName := make(map[string]*feedEntry, len(next))
	for _, n := range next {
		byName[n.Name] = n
	}
	for name, e := range p.feeds {
		if _, ok := byName[name]; !ok {
			e.gone = true
			if d != nil && e.idx >= 0 {
				heap.Remove(&d.due, e.idx)
			}
			delete(p.feeds, name)
			p.log.Info("feed removed", "feed", name)
		}
	}
	for name, n := range byName {
		e, ok := p.feeds[name]
		if !ok {
			p.feeds[name] = n
			if d != nil && !n.state.Gone {
				d.schedule(n, p.pol.initial(n, n.state, now))
			}
			p.log.Info("feed added", "feed", name, "url", n.URL)
			continue
		}
		if e.URL == n.URL && e.Interval == n.Interval && e.Schedule.String() == n.Schedule.String() {
			continue
		}
		if e.state.OriginalURL != n.state.OriginalURL {
			e.state = n.state
		}
		e.Feed = n.Feed
		p.log.Info("feed changed", "feed", name, "url", n.URL)
		if d != nil && !e.busy && !e.queue && !e.state.Gone {
			// The stored due time stays unless the new cadence is shorter
			// than it allows; backoff and Retry-After still hold.
			d.schedule(e, p.pol.initial(e, e.state, now))
		}
	}
}

// dueHeap orders scheduled feeds by due time.
type dueHeap []*feedEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*feedEntry)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.idx = -1
	*h = old[:len(old)-1]
	return e
}

func sortResults(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int { return strings.Compare(a.Feed, b.Feed) })
}
