package watcher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/internal/sharedtest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

func newPipeline(tb testing.TB, specs ...match.TopicSpec) (*Pipeline, *store.Store) {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "ww.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	var topics []*match.Topic
	for _, s := range specs {
		tp, err := match.CompileTopic(s)
		if err != nil {
			tb.Fatal(err)
		}
		topics = append(topics, tp)
	}
	return NewPipeline(st, topics, nil), st
}

func TestPipelineScoresAndRecordsTopics(t *testing.T) {
	ctx := context.Background()
	talks := match.TopicSpec{Name: "talks", Threshold: 1, Terms: []match.TermSpec{{Text: "ceasefire", Weight: 1}}}
	p, st := newPipeline(t, talks, match.TopicSpec{Name: "all"})
	doc := &Document{Items: []match.Item{
		{GUID: "1", Title: "Ceasefire agreed", Summary: "a"},
		{GUID: "2", Title: "Weather", Summary: "b"},
	}}
	now := time.Date(2025, 10, 19, 0, 0, 0, 0, time.UTC)
	rep, err := p.IngestDocument(ctx, "f", doc, now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != 2 || rep.New != 2 || rep.Kept != 2 || rep.Known != 0 {
		t.Fatalf("report = %+v", rep)
	}
	items, _ := st.Items(ctx, store.Query{Topic: "talks"})
	if len(items) != 1 || items[0].Title != "Ceasefire agreed" || len(items[0].Topics) != 2 || items[0].Feed != "f" || !items[0].Fetched.Equal(now) {
		t.Fatalf("talks items = %+v", items)
	}
	// Swap topics (config reload): only the talks topic remains; the weather
	// item of a new document is now dropped and remembered.
	tp, _ := match.CompileTopic(talks)
	p.SetTopics([]*match.Topic{tp})
	rep, _ = p.IngestDocument(ctx, "f", &Document{Items: []match.Item{{GUID: "3", Title: "Sport"}, {GUID: "1", Title: "Ceasefire agreed", Summary: "a"}}}, now)
	if rep.Kept != 0 || rep.Dropped != 1 || rep.Known != 1 || rep.New != 1 {
		t.Fatalf("after reload report = %+v", rep)
	}
}

// BenchmarkParseStore measures the whole local path for one large real feed
// document: parse (gofeed), identify, score against a firehose topic, link
// copies and stories, and commit every item in one transaction.
//
//   - new: every iteration starts from an empty store (opened with the timer
//     stopped), so every item is new and no item is a copy: the cost of a
//     first poll.
//   - copies: the same document under a new feed name each iteration, so
//     every item is a wire copy of a stored one and joins its story: the
//     cost when many outlets carry the same wire texts (canonicals' source
//     lists grow with every iteration, so this is a pessimistic bound).
func BenchmarkParseStore(b *testing.B) {
	for _, name := range []string{"rss-parser/guardian.rss", "rss-parser/giantbomb-podcast.rss"} {
		body, err := os.ReadFile(sharedtest.Path(b, "corpus", "feeds", name))
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"new", "copies"} {
			b.Run(filepath.Base(name)+"/"+mode, func(b *testing.B) {
				benchParseStore(b, body, mode == "copies")
			})
		}
	}
}

func benchParseStore(b *testing.B, body []byte, copies bool) {
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	p, _ := newPipeline(b, match.TopicSpec{Name: "all"})
	i, items := 0, 0
	for b.Loop() {
		if !copies {
			b.StopTimer()
			p, _ = newPipeline(b, match.TopicSpec{Name: "all"})
			b.StartTimer()
		}
		doc, err := ParseFeed(body, "")
		if err != nil {
			b.Fatal(err)
		}
		i++
		rep, err := p.IngestDocument(ctx, fmt.Sprintf("feed%d", i), doc, time.Now())
		if err != nil || rep.Kept != len(doc.Items) {
			b.Fatalf("kept %d of %d: %v", rep.Kept, len(doc.Items), err)
		}
		items += rep.Kept
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}
