package watcher

import (
	"github.com/pelletier/go-toml/v2"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher/feedfarm"
)

// BenchmarkRound polls a loopback farm of feeds through the real fetcher,
// ParseFeed, pipeline (the bundled config's topics, see benchTopics) and a
// bbolt store, with the default limits: 16 in flight,
// one per host, hosts 1s apart. Feeds are spread ten per loopback address.
// Round 1 fetches everything into an empty store; round 2 (forced, nothing
// changed) must get 304s. WIREWATCH_BENCH_FEEDS sets the farm size
// (default 1000; the README quotes 10000).
//
//	WIREWATCH_BENCH_FEEDS=10000 go test ./watcher -run '^$' -bench BenchmarkRound -benchtime 1x -benchmem
func BenchmarkRound(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("WIREWATCH_BENCH_FEEDS")); err == nil && v > 0 {
		n = v
	}
	farm, err := feedfarm.Start(feedfarm.Options{Feeds: n, Hosts: max(1, n/10), Corpus: feedfarm.CorpusDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer farm.Close()
	feeds := make([]Feed, n)
	for i, u := range farm.URLs() {
		feeds[i] = Feed{Name: "farm" + strconv.Itoa(i), URL: u}
	}
	topics := benchTopics(b)
	var d1, d2 time.Duration
	var w1, w2, peak uint64
	var failed int
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(filepath.Join(b.TempDir(), strconv.Itoa(i)+".db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fetcher := NewFetcher(FetchOptions{})
		p, err := NewPoller(b.Context(), PollerOptions{
			Fetcher: fetcher, Handler: IngestHandler(NewPipeline(st, topics, nil)), Store: st,
		}, feeds)
		if err != nil {
			b.Fatal(err)
		}
		stopPeak := samplePeak(&peak)
		s0 := farm.Stats()
		t0 := time.Now()
		res, err := p.Round(b.Context(), RoundOptions{})
		d1 = time.Since(t0)
		s1 := farm.Stats()
		for _, r := range res {
			if r.Err != nil {
				failed++
			}
		}
		t1 := time.Now()
		if _, err := p.Round(b.Context(), RoundOptions{Force: true}); err != nil {
			b.Fatal(err)
		}
		d2 = time.Since(t1)
		s2 := farm.Stats()
		stopPeak()
		w1, w2 = uint64(s1.WireBytes-s0.WireBytes), uint64(s2.WireBytes-s1.WireBytes)
		fetcher.CloseIdleConnections()
		st.Close()
	}
	if failed > 0 {
		b.Errorf("%d polls failed", failed)
	}
	b.ReportMetric(d1.Seconds(), "s/round1")
	b.ReportMetric(d2.Seconds(), "s/round2")
	b.ReportMetric(float64(w1)/1e6, "MB-wire/round1")
	b.ReportMetric(float64(w2)/1e6, "MB-wire/round2")
	b.ReportMetric(100*float64(w2)/float64(w1), "%bytes-round2")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak")
}

// samplePeak records the peak of the Go runtime's total memory (heap,
// stacks, runtime structures; farm included) until stop is called.
func samplePeak(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// benchTopics are the topics the benchmark scores with: the bundled
// config's (../config.toml, as a deployment would) or, with
// WIREWATCH_BENCH_TOPICS=firehose, one topic that keeps every item (the
// heaviest load on the store).
func benchTopics(b *testing.B) []*match.Topic {
	if os.Getenv("WIREWATCH_BENCH_TOPICS") == "firehose" {
		all, err := match.CompileTopic(match.TopicSpec{Name: "all"})
		if err != nil {
			b.Fatal(err)
		}
		return []*match.Topic{all}
	}
	src, err := os.ReadFile(filepath.Join("..", "config.toml"))
	if err != nil {
		b.Fatal(err)
	}
	var cfg struct {
		Topics []match.TopicSpec `toml:"topic"`
	}
	if err := toml.Unmarshal(src, &cfg); err != nil {
		b.Fatal(err)
	}
	var ts []*match.Topic
	for _, spec := range cfg.Topics {
		t, err := match.CompileTopic(spec)
		if err != nil {
			b.Fatal(err)
		}
		ts = append(ts, t)
	}
	return ts
}
