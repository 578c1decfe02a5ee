package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2025, 10, 30, 7, 0, 0, 0, time.UTC)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func digestAt(id string, start, end time.Time) Digest {
	return Digest{ID: id, Name: "morning", WindowStart: start, WindowEnd: end, Created: end, Body: []byte(`{"id":"` + id + `"}`), ContentType: "application/json"}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openTest(t, path)
	if w, err := s.DigestWindowStart(ctx, "morning"); err != nil || !w.IsZero() {
		t.Fatalf("new name: %v %v", w, err)
	}
	if _, err := s.PendingDigest(ctx, "morning"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PendingDigest = %v, want ErrNotFound", err)
	}
	a, err := s.CreateDigest(ctx, digestAt("a", t0.Add(-24*time.Hour), t0))
	if err != nil || a.Status != DigestPending {
		t.Fatal(a, err)
	}
	// A second digest for the name while one is pending: the pending one wins.
	b, err := s.CreateDigest(ctx, digestAt("b", t0.Add(-24*time.Hour), t0.Add(time.Hour)))
	if err != nil || b.ID != "a" {
		t.Fatalf("CreateDigest while pending returned %q, %v", b.ID, err)
	}
	if _, err := s.Digest(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Fatal("discarded digest was written")
	}
	// Retry, then reopen the file: state survives.
	if _, err := s.RecordAttempt(ctx, "a", Attempt{At: t0, Status: DigestPending, HTTPStatus: 503, Error: "http 503", NextAttempt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, path)
	defer s.Close()
	p, err := s.PendingDigest(ctx, "morning")
	if err != nil || p.ID != "a" || p.Attempts != 1 || p.LastStatus != 503 || !p.NextAttempt.Equal(t0.Add(time.Minute)) || string(p.Body) != `{"id":"a"}` {
		t.Fatalf("after reopen: %+v %v", p, err)
	}
	d, err := s.RecordAttempt(ctx, "a", Attempt{At: t0.Add(time.Minute), Status: DigestDelivered, HTTPStatus: 200})
	if err != nil || d.Status != DigestDelivered || d.Attempts != 2 || !d.NextAttempt.IsZero() {
		t.Fatal(d, err)
	}
	if w, _ := s.DigestWindowStart(ctx, "morning"); !w.Equal(t0) {
		t.Errorf("window start %v, want %v", w, t0)
	}
	if _, err := s.PendingDigest(ctx, "morning"); !errors.Is(err, ErrNotFound) {
		t.Error("delivered digest still pending")
	}
	// A late result cannot undo a delivery.
	if d, _ := s.RecordAttempt(ctx, "a", Attempt{At: t0.Add(2 * time.Minute), Status: DigestFailed}); d.Status != DigestDelivered || d.Attempts != 2 {
		t.Errorf("late result changed a delivered digest: %+v", d)
	}
	// A digest built from a stale read (old window start) is refused.
	if _, err := s.CreateDigest(ctx, digestAt("c", t0.Add(-24*time.Hour), t0.Add(24*time.Hour))); !errors.Is(err, ErrWindowMoved) {
		t.Errorf("stale window: %v, want ErrWindowMoved", err)
	}
	c, err := s.CreateDigest(ctx, digestAt("c", t0, t0.Add(24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = s.RecordAttempt(ctx, c.ID, Attempt{At: t0.Add(24 * time.Hour), Status: DigestFailed, HTTPStatus: 401, Error: "http 401: bad token"}); err != nil || c.Status != DigestFailed {
		t.Fatal(c, err)
	}
	if w, _ := s.DigestWindowStart(ctx, "morning"); !w.Equal(t0) {
		t.Errorf("failed digest moved the window to %v", w)
	}
	all, err := s.Digests(ctx, DigestQuery{Name: "morning"})
	if err != nil || len(all) != 2 || all[0].ID != "c" || all[1].ID != "a" {
		t.Fatalf("Digests: %v %v", ids(all), err)
	}
	if f, _ := s.Digests(ctx, DigestQuery{Status: DigestFailed}); len(f) != 1 || f[0].ID != "c" {
		t.Errorf("failed filter: %v", ids(f))
	}
	if l, _ := s.Digests(ctx, DigestQuery{Limit: 1}); len(l) != 1 {
		t.Errorf("limit: %v", ids(l))
	}
}

func TestOutboxFirstDigestFailedKeepsOrigin(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "w.db"))
	defer s.Close()
	a, _ := s.CreateDigest(ctx, digestAt("a", t0.Add(-24*time.Hour), t0))
	s.RecordAttempt(ctx, a.ID, Attempt{At: t0, Status: DigestFailed, HTTPStatus: 400})
	if w, _ := s.DigestWindowStart(ctx, "morning"); !w.Equal(a.WindowStart) {
		t.Errorf("next window starts %v, want the failed first digest's start %v", w, a.WindowStart)
	}
}

func TestOutboxReadOnlyEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	openTest(t, path).Close()
	s, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if all, err := s.Digests(ctx, DigestQuery{}); err != nil || len(all) != 0 {
		t.Errorf("Digests on a store without outbox buckets: %v %v", all, err)
	}
	if _, err := s.PendingDigest(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PendingDigest: %v", err)
	}
}

func ids(ds []Digest) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
