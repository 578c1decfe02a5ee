package store

import (
	"bytes"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestFeedStateFreshUntil: FreshUntil survives a reopen, a zero one is not
// written, and a state written before the field existed still reads.
func TestFeedStateFreshUntil(t *testing.T) {
	s, path := openTemp(t)
	fresh := time.Date(2025, 10, 25, 11, 0, 0, 0, time.UTC)
	err := s.PutFeedStates(t.Context(),
		FeedState{Name: "fresh", URL: "https://example.org/a", FreshUntil: fresh},
		FeedState{Name: "plain", URL: "https://example.org/b"})
	if err != nil {
		t.Fatal(err)
	}
	// As a version without the field wrote it.
	old := []byte(`{"name":"old","url":"https://example.org/c","original_url":"https://example.org/c",` +
		`"next_due":"2025-10-25T09:15:00Z","not_before":"0001-01-01T00:00:00Z","ttl":3600000000000,"requests":3}`)
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketFeeds).Put([]byte("old"), old) })
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeeds).Get([]byte("plain")); bytes.Contains(v, []byte("fresh_until")) {
			t.Errorf("zero FreshUntil written: %s", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	states, err := s.FeedStates(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]FeedState{}
	for _, st := range states {
		got[st.Name] = st
	}
	if !got["fresh"].FreshUntil.Equal(fresh) || !got["plain"].FreshUntil.IsZero() {
		t.Errorf("after reopen: fresh until %v and %v, want %v and zero", got["fresh"].FreshUntil, got["plain"].FreshUntil, fresh)
	}
	o := got["old"]
	if !o.FreshUntil.IsZero() || o.TTL != time.Hour || o.Requests != 3 || !o.NextDue.Equal(time.Date(2025, 10, 25, 9, 15, 0, 0, time.UTC)) {
		t.Errorf("state written without fresh_until read as %+v", o)
	}
}
