package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ww.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func item(feed, guid, title string, pub time.Time) match.Item {
	return match.Item{Feed: feed, GUID: guid, Link: "https://example.org/" + guid + "?utm_source=x",
		Title: title, Summary: "text of " + title, Published: pub, Fetched: pub.Add(time.Minute), Topics: []string{"t"}}
}

func TestCommitRoundTripAcrossReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	t0 := time.Date(2025, 10, 28, 12, 0, 0, 0, time.UTC)
	b := Batch{Kept: []match.Item{item("a", "1", "First", t0), item("a", "2", "Second", t0.Add(time.Hour))},
		Dropped: []match.Item{item("a", "3", "Cricket", t0)}, Seen: t0}
	res, err := s.Commit(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stored) != 2 || res.Remembered != 1 || res.Known != 0 {
		t.Fatalf("first commit = %+v", res)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err = s.Commit(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stored) != 0 || res.Known != 2 || res.Remembered != 0 {
		t.Fatalf("second commit = %+v, want everything known", res)
	}
	got, err := s.Items(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Title != "Second" || got[1].Title != "First" {
		t.Fatalf("items = %+v, want Second, First", got)
	}
	one, err := s.Item(ctx, got[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if one.Story != one.ID || !one.Published.Equal(t0) || one.Summary != "text of First" {
		t.Fatalf("item = %+v", one)
	}
	if _, err := s.Item(ctx, "999"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing item err = %v, want ErrNotFound", err)
	}
	if _, err := s.Item(ctx, "abc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bad id err = %v, want ErrNotFound", err)
	}
}

func TestIdentity(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2025, 10, 28, 12, 0, 0, 0, time.UTC)
	base := item("a", "1", "Talks", t0)
	sameLink := base
	sameLink.GUID, sameLink.Title, sameLink.Link = "other", "New title", "HTTPS://Example.org/1/?utm_medium=rss#top"
	sameText := base
	sameText.GUID, sameText.Link, sameText.Title = "x", "https://example.org/x", "TALKS"
	otherFeed := base
	otherFeed.Feed = "b"
	res, err := s.Commit(ctx, Batch{Kept: []match.Item{base, sameLink, sameText, base, otherFeed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stored) != 2 || res.Known != 3 {
		t.Fatalf("commit = stored %d known %d, want 2 and 3", len(res.Stored), res.Known)
	}
	if res.Stored[1].Feed != "b" {
		t.Fatalf("the copy from feed b must be kept as its own record")
	}
	known, err := s.Known(ctx, []match.Item{sameLink, item("a", "9", "Fresh", t0)})
	if err != nil {
		t.Fatal(err)
	}
	if !known[0] || known[1] {
		t.Fatalf("Known = %v, want [true false]", known)
	}
}

func TestQueryFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	var kept []match.Item
	for i := range 30 {
		feed := []string{"dawn", "tolo", "aa"}[i%3]
		it := item(feed, strings.Repeat("g", i+1), "Story number "+string(rune('A'+i)), t0.Add(time.Duration(i)*24*time.Hour))
		if i%2 == 0 {
			it.Topics = []string{"afpak", "firehose"}
		}
		kept = append(kept, it)
	}
	if _, err := s.Commit(ctx, Batch{Kept: kept}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		q     Query
		want  int
		first string
	}{
		{"all", Query{}, 30, "Story number ^"},
		{"limit", Query{Limit: 5}, 5, "Story number ^"},
		{"feed", Query{Feed: "tolo"}, 10, "Story number ]"},
		{"feed prefix is exact", Query{Feed: "tol"}, 0, ""},
		{"since", Query{Since: t0.Add(25 * 24 * time.Hour)}, 5, "Story number ^"},
		{"window", Query{Since: t0.Add(10 * 24 * time.Hour), Until: t0.Add(12 * 24 * time.Hour)}, 2, "Story number L"},
		{"feed window", Query{Feed: "dawn", Since: t0, Until: t0.Add(4 * 24 * time.Hour)}, 2, "Story number D"},
		{"topic", Query{Topic: "afpak"}, 15, "Story number ]"},
		{"words", Query{Words: []string{"STORY", "number"}}, 30, "Story number ^"},
		{"missing word", Query{Words: []string{"story", "cricket"}}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Items(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("got %d items, want %d", len(got), tt.want)
			}
			if tt.want > 0 && got[0].Title != tt.first {
				t.Fatalf("first = %q, want %q", got[0].Title, tt.first)
			}
			for i := 1; i < len(got); i++ {
				if got[i].SortTime().After(got[i-1].SortTime()) {
					t.Fatalf("not newest first at %d", i)
				}
			}
		})
	}
}

func TestReadOnlyAndLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ww.db")
	if _, err := Open(path, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing file must fail")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// bbolt locks per open file description, so a second open in this
	// process contends like another process would.
	_, err = Open(path, Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open err = %v, want ErrLocked", err)
	}
}

func TestNormalizeLink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://Example.org/a/?utm_source=rss&b=2&a=1#frag", "https://example.org/a?a=1&b=2"},
		{"http://example.org:80/x?fbclid=1", "http://example.org/x"},
		{"  not a url ", "not a url"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeLink(tt.in); got != tt.want {
			t.Errorf("NormalizeLink(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
