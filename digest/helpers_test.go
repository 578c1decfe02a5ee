package digest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stories is a StorySource over a fixed list; a story is in a window when
// its Time is.
type stories struct {
	mu    sync.Mutex
	list  []Story
	calls int
}

func (s *stories) Stories(_ context.Context, _ []string, w Window) ([]Story, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	var out []Story
	for _, st := range s.list {
		if !st.Time.Before(w.Start) && st.Time.Before(w.End) {
			out = append(out, st)
		}
	}
	return out, nil
}

func (s *stories) add(st ...Story) {
	s.mu.Lock()
	s.list = append(s.list, st...)
	s.mu.Unlock()
}

// request is what a receiver saw.
type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// receiver is a real HTTP server that answers with the scripted statuses in
// turn (the last one repeats) and records every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	bodies   []string
	reqs     []request
	got      chan struct{}
	header   http.Header
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, got: make(chan struct{}, 100), header: http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, request{req.Method, req.URL.Path, req.Header.Clone(), body})
	status, text := http.StatusOK, `{"ok":true}`
	if len(r.statuses) > 0 {
		status = r.statuses[min(n, len(r.statuses)-1)]
	}
	if n < len(r.bodies) {
		text = r.bodies[n]
	}
	for k, v := range r.header {
		w.Header()[k] = v
	}
	r.mu.Unlock()
	w.WriteHeader(status)
	if status != http.StatusAccepted {
		io.WriteString(w, text)
	}
	r.got <- struct{}{}
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

// wait blocks until n requests arrived, failing the test after a generous
// deadline (a hang, not a timing assertion).
func (r *receiver) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for len(r.requests()) < n {
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("receiver saw %d requests, want %d", len(r.requests()), n)
		}
	}
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "wirewatch.db") }

var t0 = time.Date(2025, 10, 30, 7, 0, 0, 0, time.UTC)

// fixture stories, written for these tests.
func fixtureStories() []Story {
	return []Story{
		{
			ID: "41", Headline: "Talks between Kabul and Islamabad end without agreement in Istanbul",
			Link: "https://news.example.org/2025/10/29/talks-end", Outlets: []string{"Example Wire", "Daily Example", "Example Times", "Valley Post"},
			Reports: 6, Time: t0.Add(-20 * time.Hour),
			Snippet: "Delegations left the third round of talks after mediators failed to bridge differences over cross-border attacks, officials said.",
			Why:     []string{"entity:Istanbul", "term:talks", "entity:Afghanistan", "entity:Pakistan"},
		},
		{
			ID: "57", Headline: "Mediators say ceasefire monitoring mechanism still under discussion",
			Link: "https://example.net/world/ceasefire-mechanism", Outlets: []string{"Example Times"},
			Reports: 1, Time: t0.Add(-3 * time.Hour),
			Snippet: "A mechanism to verify the truce is being drafted, according to a statement.",
			Why:     []string{"term:ceasefire"},
		},
	}
}

func testDefinition(t *testing.T, format, url string) *Definition {
	t.Helper()
	d := &Definition{
		Name: "morning", Format: format, URL: url,
		To: []string{"Reader <reader@example.com>"}, From: "wirewatch <digest@example.org>",
		Token: NewSecret("tok-SECRET-123"), Secret: NewSecret("whsec-SECRET-456"),
		Schedule: "0 7 * * *",
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

func fixedID(string) string { return "morning-20251030T070000Z-0a1b2c3d" }

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

var storeQueryAll = store.DigestQuery{}
