package watcher

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

func TestOnIngest(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "ww.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	topic, err := match.CompileTopic(match.TopicSpec{Name: "all"})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPipeline(st, []*match.Topic{topic}, nil)
	var feeds []string
	var kept []int
	p.OnIngest(func(feed string, rep Report) {
		feeds = append(feeds, feed)
		kept = append(kept, len(rep.Stored))
	})
	doc := &Document{Items: []match.Item{{GUID: "1", Title: "One"}, {GUID: "2", Title: "Two"}}}
	now := time.Date(2025, 10, 28, 9, 0, 0, 0, time.UTC)
	for range 2 {
		if _, err := p.IngestDocument(context.Background(), "f", doc, now); err != nil {
			t.Fatal(err)
		}
	}
	if len(feeds) != 2 || feeds[0] != "f" || kept[0] != 2 || kept[1] != 0 {
		t.Fatalf("observer saw feeds %v, stored %v; want [f f], [2 0]", feeds, kept)
	}
	p.OnIngest(nil)
	if _, err := p.IngestDocument(context.Background(), "g", doc, now); err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 2 {
		t.Fatal("a removed observer was called")
	}
}
