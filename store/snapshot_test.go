package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
)

func TestWriteSnapshot(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2025, 10, 28, 12, 0, 0, 0, time.UTC)
	if _, err := s.Commit(ctx, Batch{Kept: []match.Item{item("a", "1", "One", t0), item("a", "2", "Two", t0)}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var size int64 = -1
	n, err := s.WriteSnapshot(ctx, &buf, func(n int64) { size = n })
	if err != nil {
		t.Fatal(err)
	}
	if n != size || int64(buf.Len()) != n {
		t.Fatalf("wrote %d bytes, announced %d, buffer %d", n, size, buf.Len())
	}
	dst := filepath.Join(t.TempDir(), "snap.db")
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Items(ctx, Query{})
	if err != nil || len(got) != 2 {
		t.Fatalf("snapshot items = %d, %v; want 2", len(got), err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.WriteSnapshot(cancelled, &buf, nil); err == nil {
		t.Fatal("a cancelled context must stop the snapshot")
	}
}
