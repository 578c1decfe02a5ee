package watcher

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// startRun runs the poller until the returned stop is called; stop returns
// Run's error.
func (h *harness) startRun() (stop func() error) {
	ctx, cancel := context.WithCancel(h.t.Context())
	ready := make(chan struct{})
	h.p.opts.Ready = func() { close(ready) }
	done := make(chan error, 1)
	go func() { done <- h.p.Run(ctx) }()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run never became ready")
	}
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			h.t.Fatal("Run did not return")
		}
		return nil
	}
}

func TestRunSpreadsPersistsAndResumes(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, rssDoc(r.URL.Path[1:], 1))
	}))
	defer srv.Close()
	var feeds []Feed
	for i := range 40 {
		feeds = append(feeds, Feed{Name: fmt.Sprint("f", i), URL: fmt.Sprintf("%s/f%d", srv.URL, i)})
	}
	tweak := func(o *PollerOptions) { o.PerHost = 4 }
	h := newHarness(t, feeds, tweak)
	start := h.clock.Now()
	stop := h.startRun()
	distinct := map[time.Time]bool{}
	for _, st := range h.p.States() {
		if st.NextDue.Before(start) || !st.NextDue.Before(start.Add(DefaultSpread)) {
			t.Fatalf("%s first due at %v, want within the 5m spread", st.Name, st.NextDue)
		}
		distinct[st.NextDue] = true
	}
	if len(distinct) < 30 || hits.Load() != 0 {
		t.Fatalf("first polls not spread: %d distinct due times, %d requests before any came due", len(distinct), hits.Load())
	}
	h.waitArmed(0)
	h.clock.Advance(DefaultSpread)
	for range feeds {
		if r := h.await(); r.Err != nil {
			t.Fatalf("%s: %v", r.Feed, r.Err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	saved := map[string]time.Time{}
	for _, f := range feeds {
		st := h.state(f.Name)
		if st.LastSuccess.IsZero() || !st.NextDue.After(h.clock.Now()) {
			t.Fatalf("%s after one poll: %+v", f.Name, st)
		}
		saved[f.Name] = st.NextDue
	}

	// A restart keeps every due time: nothing fires at once.
	before := hits.Load()
	h.p = h.poller(feeds, tweak)
	stop = h.startRun()
	for _, st := range h.p.States() {
		if !st.NextDue.Equal(saved[st.Name]) {
			t.Errorf("%s: due %v after restart, saved %v", st.Name, st.NextDue, saved[st.Name])
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != before {
		t.Errorf("restart polled %d feeds at once", hits.Load()-before)
	}
}

func TestRunShutdownDeadline(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done() // hangs until the poller gives up
	}))
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "hang", URL: srv.URL}}, func(o *PollerOptions) {
		o.Fetcher = newFetcher(t, FetchOptions{Timeout: time.Hour})
		o.ShutdownTimeout = 10 * time.Second
	})
	stop := h.startRun()
	h.waitArmed(0)
	h.clock.Advance(DefaultSpread)
	<-arrived
	done := make(chan error, 1)
	go func() { done <- stop() }()
	// Run now waits for the poll in flight, on the fake clock's deadline.
	for h.clock.Arms() < 3 {
		time.Sleep(time.Millisecond)
	}
	h.clock.Advance(10 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := h.state("hang")
	if st.ConsecutiveFailures != 0 || st.Requests != 0 {
		t.Errorf("a poll cancelled at shutdown counted against the feed: %+v", st)
	}
}

func TestRunReload(t *testing.T) {
	var hitsA, hitsB atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { hitsA.Add(1); io.WriteString(w, rssDoc("a", 1)) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { hitsB.Add(1); io.WriteString(w, rssDoc("b", 1)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := Feed{Name: "a", URL: srv.URL + "/a"}
	b := Feed{Name: "b", URL: srv.URL + "/b"}
	h := newHarness(t, []Feed{a}, nil)
	stop := h.startRun()
	defer stop()
	arms := h.clock.Arms()
	if err := h.p.SetFeeds(t.Context(), []Feed{b}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.p.States()); n != 1 {
		t.Fatalf("SetFeeds returned before the change took effect: %d feeds", n)
	}
	h.waitArmed(arms)
	h.clock.Advance(DefaultSpread)
	if r := h.await(); r.Feed != "b" || r.Err != nil {
		t.Fatalf("after reload: %+v", r)
	}
	if hitsA.Load() != 0 || len(h.p.States()) != 1 {
		t.Errorf("removed feed polled %d times; %d feeds configured", hitsA.Load(), len(h.p.States()))
	}
	if err := h.p.SetFeeds(t.Context(), []Feed{b, {Name: "bad", URL: srv.URL, Interval: time.Second}}); err == nil {
		t.Error("a 1s interval was accepted")
	}
}

// TestRunClampsStoredDueTimes: at start and on reload, a stored due time
// the feed's current interval no longer justifies is brought forward;
// backoff holds a feed where it is and a gone feed stays unpolled.
func TestRunClampsStoredDueTimes(t *testing.T) {
	var hits sync.Map // path -> *atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		io.WriteString(w, rssDoc(r.URL.Path[1:], 1))
	}))
	defer srv.Close()
	hitsOf := func(path string) int32 {
		if n, ok := hits.Load(path); ok {
			return n.(*atomic.Int32).Load()
		}
		return 0
	}
	feed := func(name string, iv time.Duration) Feed {
		return Feed{Name: name, URL: srv.URL + "/" + name, Interval: iv}
	}
	feeds := []Feed{feed("shortened", 0), feed("backoff", 0), feed("gone", 0), feed("daily", 24*time.Hour)}
	h := newHarness(t, nil, nil)
	now := h.clock.Now()
	stored := map[string]store.FeedState{
		"shortened": {NextDue: now.Add(6 * time.Hour)}, // its interval was 6h; now the default 15m
		"backoff":   {NextDue: now.Add(3 * time.Hour), NotBefore: now.Add(3 * time.Hour), ConsecutiveFailures: 4, Backoff: 2 * time.Hour},
		"gone":      {Gone: true},
		"daily":     {NextDue: now.Add(20 * time.Hour)},
	}
	for _, f := range feeds {
		st := stored[f.Name]
		st.Name, st.URL, st.OriginalURL = f.Name, f.URL, f.URL
		if err := h.st.PutFeedStates(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	h.p = h.poller(feeds, nil)
	stop := h.startRun()
	defer stop()
	due := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, st := range h.p.States() {
			out[st.Name] = st.NextDue
		}
		return out
	}
	got := due()
	if d := got["shortened"]; d.Before(now) || d.After(now.Add(15*time.Minute)) {
		t.Errorf("shortened: due %v after restart, want within 15m of %v", d, now)
	}
	if d := got["backoff"]; !d.Equal(now.Add(3 * time.Hour)) {
		t.Errorf("backoff: due %v after restart, want the backoff's %v", d, now.Add(3*time.Hour))
	}
	if d := got["daily"]; !d.Equal(now.Add(20 * time.Hour)) {
		t.Errorf("daily: due %v after restart, want the stored %v", d, now.Add(20*time.Hour))
	}
	h.waitArmed(0)
	h.clock.Advance(15 * time.Minute)
	if r := h.await(); r.Feed != "shortened" || r.Err != nil {
		t.Fatalf("first poll after restart: %+v", r)
	}

	// Reload with daily's interval cut to an hour: its due time follows.
	arms := h.clock.Arms()
	feeds[3].Interval = time.Hour
	if err := h.p.SetFeeds(t.Context(), feeds); err != nil {
		t.Fatal(err)
	}
	reloaded := h.clock.Now()
	if d := due()["daily"]; d.Before(reloaded) || d.After(reloaded.Add(time.Hour)) {
		t.Errorf("daily: due %v after its interval became 1h, want within an hour of %v", d, reloaded)
	}
	if d := due()["backoff"]; !d.Equal(now.Add(3 * time.Hour)) {
		t.Errorf("backoff: due %v after reload, want %v", d, now.Add(3*time.Hour))
	}
	h.waitArmed(arms)
	h.clock.Advance(time.Hour)
	for { // shortened, on its 15m cadence, may come first
		r := h.await()
		if r.Err != nil || r.Feed != "daily" && r.Feed != "shortened" {
			t.Fatalf("poll after reload: %+v", r)
		}
		if r.Feed == "daily" {
			break
		}
	}
	if hitsOf("/backoff") != 0 || hitsOf("/gone") != 0 {
		t.Errorf("polled a feed held by backoff (%d) or gone (%d)", hitsOf("/backoff"), hitsOf("/gone"))
	}
}

// TestRunHonoursFreshnessAcrossRestart: a Cache-Control max-age or Expires
// wait is stored with the feed, so a restart does not poll such a feed
// before its response expires; a feed whose server said nothing is polled
// on its cadence.
func TestRunHonoursFreshnessAcrossRestart(t *testing.T) {
	var hits sync.Map // path -> *atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		switch r.URL.Path {
		case "/maxage":
			w.Header().Set("Cache-Control", "public, max-age=7200")
		case "/expires": // a server clock a year off: the lifetime counts
			date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
			w.Header().Set("Date", date.Format(http.TimeFormat))
			w.Header().Set("Expires", date.Add(2*time.Hour).Format(http.TimeFormat))
		}
		io.WriteString(w, rssDoc(r.URL.Path[1:], 1))
	}))
	defer srv.Close()
	hitsOf := func(path string) int32 {
		if n, ok := hits.Load(path); ok {
			return n.(*atomic.Int32).Load()
		}
		return 0
	}
	var feeds []Feed
	for _, name := range []string{"maxage", "expires", "plain"} {
		feeds = append(feeds, Feed{Name: name, URL: srv.URL + "/" + name, Interval: 15 * time.Minute})
	}
	h := newHarness(t, feeds, nil)
	stop := h.startRun()
	h.waitArmed(0)
	h.clock.Advance(DefaultSpread)
	for range feeds {
		if r := h.await(); r.Err != nil {
			t.Fatalf("%s: %v", r.Feed, r.Err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	polled := h.clock.Now()
	saved := map[string]store.FeedState{}
	for _, f := range feeds {
		saved[f.Name] = h.state(f.Name)
	}
	for _, name := range []string{"maxage", "expires"} {
		if st := saved[name]; !st.FreshUntil.Equal(polled.Add(2*time.Hour)) || !st.NextDue.Equal(st.FreshUntil) {
			t.Fatalf("%s: stored fresh until %v, due %v; want both %v", name, st.FreshUntil, st.NextDue, polled.Add(2*time.Hour))
		}
	}
	if st := saved["plain"]; !st.FreshUntil.IsZero() || st.NextDue.After(polled.Add(15*time.Minute+90*time.Second)) {
		t.Fatalf("plain: stored fresh until %v, due %v; want none and within its 15m cadence", st.FreshUntil, st.NextDue)
	}

	// Restart a minute later: the stored waits are kept, not clamped to
	// the 15m cadence.
	h.clock.Advance(time.Minute)
	h.p = h.poller(feeds, nil)
	arms := h.clock.Arms()
	stop = h.startRun()
	defer stop()
	for _, st := range h.p.States() {
		if !st.NextDue.Equal(saved[st.Name].NextDue) {
			t.Errorf("%s: due %v after restart, saved %v", st.Name, st.NextDue, saved[st.Name].NextDue)
		}
	}
	// Up to a second before the two hours pass only plain is polled, once.
	h.waitArmed(arms)
	h.clock.Advance(polled.Add(2*time.Hour - time.Second).Sub(h.clock.Now()))
	if r := h.await(); r.Feed != "plain" || r.Err != nil {
		t.Fatalf("first poll after restart: %+v, want plain", r)
	}
	h.waitArmed(h.lastArms)
	if hitsOf("/maxage") != 1 || hitsOf("/expires") != 1 || hitsOf("/plain") != 2 {
		t.Fatalf("before the 2h passed: %d max-age, %d expires, %d plain requests; want 1, 1, 2",
			hitsOf("/maxage"), hitsOf("/expires"), hitsOf("/plain"))
	}
	// When they pass, both are polled.
	h.clock.Advance(time.Second)
	got := map[string]bool{}
	for !got["maxage"] || !got["expires"] {
		r := h.await()
		if r.Err != nil || r.Feed == "plain" {
			t.Fatalf("poll at the 2h mark: %+v", r)
		}
		got[r.Feed] = true
	}
}
