package watcher

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// rssDoc is a small valid feed with n items whose titles carry tag.
func rssDoc(tag string, n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>` + tag + `</title>`)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>%s story %d</title><link>https://example.org/%s/%d</link><guid>%s-%d</guid></item>", tag, i, tag, i, tag, i)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

type harness struct {
	t       *testing.T
	clock   *fakeClock
	st      *store.Store
	p       *Poller
	results chan Result
	// lastArms is the fake clock's timer count when the last result was
	// observed: once the count passes it, the loop waits again.
	lastArms int
	arms     atomic.Int64
}

// newHarness builds a poller over a real store with a firehose topic, the
// real fetcher and IngestHandler, and a fake clock.
func newHarness(t *testing.T, feeds []Feed, tweak func(*PollerOptions)) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), results: make(chan Result, 1024)}
	h.st = openStore(t, filepath.Join(t.TempDir(), "ww.db"))
	h.p = h.poller(feeds, tweak)
	return h
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (h *harness) poller(feeds []Feed, tweak func(*PollerOptions)) *Poller {
	h.t.Helper()
	all, err := match.CompileTopic(match.TopicSpec{Name: "all"})
	if err != nil {
		h.t.Fatal(err)
	}
	opts := PollerOptions{
		Fetcher:     newFetcher(h.t, FetchOptions{Timeout: 2 * time.Second, Clock: h.clock}),
		Handler:     IngestHandler(NewPipeline(h.st, []*match.Topic{all}, nil)),
		Store:       h.st,
		Clock:       h.clock,
		HostSpacing: -1,
		Observe: func(r Result) {
			h.arms.Store(int64(h.clock.Arms()))
			h.results <- r
		},
	}
	if tweak != nil {
		tweak(&opts)
	}
	p, err := NewPoller(h.t.Context(), opts, feeds)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) round(opts RoundOptions) map[string]Result {
	h.t.Helper()
	res, err := h.p.Round(h.t.Context(), opts)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]Result{}
	for _, r := range res {
		out[r.Feed] = r
	}
	for range len(h.results) { // Round reports directly; drop the observed copies
		<-h.results
	}
	return out
}

func (h *harness) state(name string) store.FeedState {
	h.t.Helper()
	st, err := h.st.FeedState(h.t.Context(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// await returns the next observed result, failing the test if none comes.
// While it waits it wakes the scheduling loop now and then: a loop that
// read the clock just before the test advanced it arms its timer from the
// old time, and would sleep through the feeds that came due.
func (h *harness) await() Result {
	h.t.Helper()
	deadline := time.After(20 * time.Second)
	nudge := time.NewTicker(10 * time.Millisecond)
	defer nudge.Stop()
	for {
		select {
		case r := <-h.results:
			h.lastArms = int(h.arms.Load())
			return r
		case <-nudge.C:
			h.p.kick()
		case <-deadline:
			h.t.Fatal("no poll result")
			return Result{}
		}
	}
}

// waitArmed waits until the loop has armed a timer after the clock showed
// `after` arms: it has read the clock and is waiting.
func (h *harness) waitArmed(after int) {
	h.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); h.clock.Arms() <= after; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			h.t.Fatal("scheduling loop never waited")
		}
	}
}

func TestRoundConditionalGET(t *testing.T) {
	var hits, notMod atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("ETag", `"abc"`)
		if r.Header.Get("If-None-Match") == `"abc"` {
			notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, rssDoc("cond", 3))
	}))
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "f", URL: srv.URL}}, nil)
	r1 := h.round(RoundOptions{})["f"]
	if r1.Err != nil || r1.Outcome.Kept != 3 || r1.NotModified {
		t.Fatalf("first round: %+v", r1)
	}
	r2 := h.round(RoundOptions{})["f"]
	if r2.Err != nil || !r2.NotModified || notMod.Load() != 1 {
		t.Fatalf("second round: %+v (304s served %d)", r2, notMod.Load())
	}
	st := h.state("f")
	if st.ETag != `"abc"` || st.Requests != 2 || st.NotModified != 1 || st.ItemsSeen != 3 || st.ItemsKept != 3 {
		t.Errorf("state after 200 + 304: %+v", st)
	}
}

func TestRoundRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		value  func(now time.Time) string
	}{
		{"429 seconds", 429, func(time.Time) string { return "600" }},
		{"503 seconds", 503, func(time.Time) string { return "600" }},
		{"429 http date", 429, func(now time.Time) string { return now.Add(10 * time.Minute).Format(http.TimeFormat) }},
		{"503 http date", 503, func(now time.Time) string { return now.Add(10 * time.Minute).Format(http.TimeFormat) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			var h *harness
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.value(h.clock.Now()))
					w.WriteHeader(tc.status)
					return
				}
				io.WriteString(w, rssDoc("ra", 1))
			}))
			defer srv.Close()
			// A one-minute interval: backoff alone would allow a retry after 1m.
			h = newHarness(t, []Feed{{Name: "f", URL: srv.URL, Interval: time.Minute}}, nil)
			start := h.clock.Now()
			if r := h.round(RoundOptions{})["f"]; r.Class != ClassTransient || r.Status != tc.status {
				t.Fatalf("first round: %+v", r)
			}
			if st := h.state("f"); !st.NotBefore.Equal(start.Add(10 * time.Minute)) {
				t.Fatalf("not before %v, want %v", st.NotBefore, start.Add(10*time.Minute))
			}
			h.clock.Advance(10*time.Minute - time.Second)
			if r := h.round(RoundOptions{})["f"]; r.Skipped == "" || hits.Load() != 1 {
				t.Fatalf("round before Retry-After expired: %+v, %d requests", r, hits.Load())
			}
			h.clock.Advance(time.Second)
			if r := h.round(RoundOptions{})["f"]; r.Err != nil || r.Skipped != "" || hits.Load() != 2 {
				t.Fatalf("round after Retry-After: %+v, %d requests", r, hits.Load())
			}
		})
	}
}

func TestRoundBackoffGrowsThenResets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 5 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, rssDoc("b", 1))
	}))
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "f", URL: srv.URL}}, nil)
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}
	for i, ceiling := range want {
		now := h.clock.Now()
		r := h.round(RoundOptions{})["f"]
		st := h.state("f")
		if r.Class != ClassTransient || st.ConsecutiveFailures != i+1 || st.Backoff != ceiling {
			t.Fatalf("failure %d: result %+v, state failures %d backoff %s, want backoff %s", i+1, r, st.ConsecutiveFailures, st.Backoff, ceiling)
		}
		if wait := st.NotBefore.Sub(now); wait < MinInterval || wait > ceiling {
			t.Fatalf("failure %d: next attempt in %s, want within [1m, %s]", i+1, wait, ceiling)
		}
		if st.LastError != "http 500 internal server error" || st.LastErrorClass != "transient" {
			t.Fatalf("failure %d: last error %q %q", i+1, st.LastError, st.LastErrorClass)
		}
		h.clock.Advance(st.NotBefore.Sub(now))
	}
	if r := h.round(RoundOptions{})["f"]; r.Err != nil {
		t.Fatalf("recovery: %+v", r)
	}
	st := h.state("f")
	if st.ConsecutiveFailures != 0 || st.Backoff != 0 || !st.NotBefore.IsZero() || st.LastSuccess.IsZero() {
		t.Errorf("after recovery: %+v", st)
	}
	if st.LastError == "" {
		t.Errorf("the last error should stay visible after recovery")
	}
}

func TestRoundRedirects(t *testing.T) {
	var oldHits, tmpHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		oldHits.Add(1)
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/tmp", func(w http.ResponseWriter, r *http.Request) {
		tmpHits.Add(1)
		http.Redirect(w, r, "/new", http.StatusFound)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, rssDoc("moved", 2)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "perm", URL: srv.URL + "/old"}, {Name: "temp", URL: srv.URL + "/tmp"}}, nil)
	for range 2 {
		res := h.round(RoundOptions{})
		if res["perm"].Err != nil || res["temp"].Err != nil {
			t.Fatalf("round: %+v", res)
		}
	}
	if st := h.state("perm"); st.URL != srv.URL+"/new" || st.OriginalURL != srv.URL+"/old" {
		t.Errorf("after 301: url %q original %q", st.URL, st.OriginalURL)
	}
	if st := h.state("temp"); st.URL != srv.URL+"/tmp" {
		t.Errorf("after 302: url %q", st.URL)
	}
	if oldHits.Load() != 1 || tmpHits.Load() != 2 {
		t.Errorf("requests to /old %d (want 1), /tmp %d (want 2)", oldHits.Load(), tmpHits.Load())
	}
}

func TestRoundGone(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "f", URL: srv.URL}}, nil)
	if r := h.round(RoundOptions{})["f"]; r.Class != ClassGone {
		t.Fatalf("first round: %+v", r)
	}
	st := h.state("f")
	if !st.Gone || !st.NextDue.IsZero() || st.LastStatus != 410 {
		t.Fatalf("state: %+v", st)
	}
	h.clock.Advance(30 * 24 * time.Hour)
	if r := h.round(RoundOptions{})["f"]; !strings.HasPrefix(r.Skipped, "gone (410)") || hits.Load() != 1 {
		t.Fatalf("gone feed polled again: %+v, %d requests", r, hits.Load())
	}
	if r := h.round(RoundOptions{Force: true})["f"]; r.Skipped != "" || hits.Load() != 2 {
		t.Fatalf("forced round: %+v, %d requests", r, hits.Load())
	}
}

// TestRoundHintsRaiseTheWait: RSS <ttl>, skipHours and Cache-Control
// max-age push the next poll later, never earlier, and the feed's own
// hints still apply while the server answers 304.
func TestRoundHintsRaiseTheWait(t *testing.T) {
	var maxAge atomic.Value
	maxAge.Store("max-age=60")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"h"`)
		w.Header().Set("Cache-Control", maxAge.Load().(string))
		if r.Header.Get("If-None-Match") == `"h"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>h</title><ttl>120</ttl>`+
			`<skipHours><hour>13</hour></skipHours><item><title>x</title><guid>1</guid></item></channel></rss>`)
	}))
	defer srv.Close()
	h := newHarness(t, []Feed{{Name: "f", URL: srv.URL}}, nil) // clock at 09:00 UTC
	now := h.clock.Now()
	h.round(RoundOptions{})
	st := h.state("f")
	if st.TTL != 2*time.Hour || len(st.SkipHours) != 1 {
		t.Fatalf("hints not stored: ttl %s skip %v", st.TTL, st.SkipHours)
	}
	if !st.NextDue.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("next due %v, want now+2h (ttl over a 15m interval and a 1m max-age)", st.NextDue)
	}
	// Two hours later the 304 carries a 5h max-age: due at 16:00, but...
	h.clock.Advance(2 * time.Hour)
	maxAge.Store("max-age=18000")
	h.round(RoundOptions{})
	if st := h.state("f"); !st.NextDue.Equal(now.Add(7 * time.Hour)) {
		t.Errorf("after 304 with max-age 5h: next due %v, want %v", st.NextDue, now.Add(7*time.Hour))
	}
	// ...at 11:00 a 2h max-age lands in 13:00, which the feed skips: 14:00.
	maxAge.Store("max-age=7200")
	h.round(RoundOptions{})
	if st := h.state("f"); !st.NextDue.Equal(now.Add(5 * time.Hour)) {
		t.Errorf("after 304 into a skipped hour: next due %v, want %v", st.NextDue, now.Add(5*time.Hour))
	}
}

// TestRoundStoresFreshness: the freshness a response's Cache-Control
// max-age or Expires gives is stored with the feed, from a 304 too, and a
// success without either header clears it.
func TestRoundStoresFreshness(t *testing.T) {
	var headers atomic.Value // http.Header to send
	var notMod atomic.Bool   // answer a conditional request with 304
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers.Load().(http.Header) {
			w.Header()[k] = v
		}
		w.Header().Set("ETag", `"e"`)
		if notMod.Load() && r.Header.Get("If-None-Match") == `"e"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, rssDoc("f", 1))
	}))
	defer srv.Close()
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) // the server's clock is off: Expires counts from Date
	expires := http.Header{"Date": {date.Format(http.TimeFormat)}, "Expires": {date.Add(30 * time.Minute).Format(http.TimeFormat)}}
	h := newHarness(t, []Feed{{Name: "f", URL: srv.URL}}, nil)
	for _, step := range []struct {
		name   string
		header http.Header
		notMod bool
		fresh  time.Duration // from now; 0: none stored
	}{
		{"200 with max-age", http.Header{"Cache-Control": {"max-age=3600"}}, false, time.Hour},
		{"304 with expires", expires, true, 30 * time.Minute},
		{"304 without either", http.Header{}, true, 0},
		{"304 with a huge max-age", http.Header{"Cache-Control": {"max-age=999999999"}}, true, maxHeaderWait},
		{"200 without either", http.Header{"Cache-Control": {"no-cache"}}, false, 0},
	} {
		headers.Store(step.header)
		notMod.Store(step.notMod)
		h.clock.Advance(time.Hour)
		now := h.clock.Now()
		r := h.round(RoundOptions{})["f"]
		if r.Err != nil || r.NotModified != step.notMod {
			t.Fatalf("%s: %+v", step.name, r)
		}
		want := time.Time{}
		if step.fresh > 0 {
			want = now.Add(step.fresh)
		}
		if st := h.state("f"); !st.FreshUntil.Equal(want) {
			t.Errorf("%s: stored fresh until %v, want %v", step.name, st.FreshUntil, want)
		}
	}
}
