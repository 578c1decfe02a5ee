package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// Benchmarks of the per-item dedup cost (copy lookup through the band
// index, verification, story assignment, index writes) with 10k and 1M
// stored fingerprints. Stored fingerprints are generated: 150 random
// shingles each (a feed excerpt to short article), written in big batched
// transactions with the band index inserted in key order, so setup is fast.
// Measured items run in write transactions of 25 (one feed document, as
// Commit stores it), rolled back: the figure is the work Commit does per
// item (B+tree descents, node copies and splits included), without the page
// writes and fsync every Commit pays once per feed document.
//
//	go test ./store -run '^$' -bench 'Dedup(10k|1M)' -benchtime 2000x
//
// Before timing, the dedup buckets are read once (warm page cache, as in a
// daemon that has run a while); besides ns/op the benchmarks report
// cpu-ns/op, the process CPU time per item, which a busy machine disturbs
// less. The 1M benchmark builds a ~2 GB file and takes a few minutes; it is
// skipped with -short.

const benchShingles = 150

// benchDocItems is the number of items per feed document (one Commit).
const benchDocItems = 25

// benchWindow is how many synthetic stories are active in the 3-day window,
// the same for every store size (1,000 reports a day).
const benchStories = 3000

var benchNow = time.Date(2025, 10, 29, 12, 0, 0, 0, time.UTC)

// randomFingerprint builds a fingerprint of n random shingles through the
// public binary encoding.
func randomFingerprint(r *rand.Rand, n int) match.Fingerprint {
	set := make([]uint32, n)
	for i := range set {
		set[i] = r.Uint32()
	}
	return fingerprintOf(set)
}

func fingerprintOf(set []uint32) match.Fingerprint {
	set = slices.Clone(set)
	slices.Sort(set)
	set = slices.Compact(set)
	buf := []byte{1}
	buf = binary.AppendUvarint(buf, uint64(len(set)))
	prev := uint32(0)
	for _, s := range set {
		buf = binary.AppendUvarint(buf, uint64(s-prev))
		prev = s
	}
	buf = binary.AppendUvarint(buf, 0) // no title shingles
	var fp match.Fingerprint
	if err := fp.UnmarshalBinary(buf); err != nil {
		panic(err)
	}
	return fp
}

// shinglesOf recovers the shingle set (for making near copies).
func shinglesOf(fp match.Fingerprint) []uint32 {
	data, _ := fp.MarshalBinary()
	data = data[1:]
	n, k := binary.Uvarint(data)
	data = data[k:]
	out := make([]uint32, 0, n)
	var cur uint32
	for range n {
		d, k := binary.Uvarint(data)
		cur += uint32(d)
		out = append(out, cur)
		data = data[k:]
	}
	return out
}

type benchEnv struct {
	s      *Store
	path   string
	n      int
	copies []match.Fingerprint // near copies of stored fingerprints
	of     []uint64            // the stored fingerprint each copies
}

// buildBenchStore writes n generated fingerprints and benchStories stories.
func buildBenchStore(b *testing.B, n int) *benchEnv {
	b.Helper()
	start := time.Now()
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	r := rand.New(rand.NewPCG(uint64(n), 1))
	env := &benchEnv{s: s, path: path, n: n}
	type entry struct{ k [16]byte }
	bands := make([]entry, 0, n*match.Bands)
	const batch = 50_000
	for lo := 1; lo <= n; lo += batch {
		hi := min(lo+batch, n+1)
		err := s.db.Update(func(tx *bolt.Tx) error {
			fps := tx.Bucket(bucketDupFP)
			fps.FillPercent = 1
			for id := lo; id < hi; id++ {
				fp := randomFingerprint(r, benchShingles)
				key := idKey(uint64(id))
				v, err := fpValue(key, key, fp)
				if err != nil {
					return err
				}
				if err := fps.Put(key, v); err != nil {
					return err
				}
				for _, bk := range fp.BandKeys() {
					var e entry
					copy(e.k[:8], bk)
					copy(e.k[8:], key)
					bands = append(bands, e)
				}
				if id%(n/100+1) == 0 && len(env.copies) < 100 {
					sh := shinglesOf(fp)
					near := append(sh[:len(sh)*9/10:len(sh)*9/10], r.Uint32(), r.Uint32(), r.Uint32())
					env.copies = append(env.copies, fingerprintOf(near))
					env.of = append(env.of, uint64(id))
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	slices.SortFunc(bands, func(x, y entry) int { return bytes.Compare(x.k[:], y.k[:]) })
	const bandBatch = 2_000_000
	for lo := 0; lo < len(bands); lo += bandBatch {
		chunk := bands[lo:min(lo+bandBatch, len(bands))]
		err := s.db.Update(func(tx *bolt.Tx) error {
			bb := tx.Bucket(bucketDupBand)
			bb.FillPercent = 0.7 // about what random inserts leave behind
			for i := range chunk {
				if err := bb.Put(chunk[i].k[:], nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	bands = nil
	if err := s.db.Update(func(tx *bolt.Tx) error { return writeBenchStories(tx, r, n) }); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	st := s.db.Stats()
	b.Logf("built %d fingerprints + %d stories in %v: file %d MB, %d free pages, %d pending",
		n, benchStories, time.Since(start).Round(time.Second), fi.Size()>>20, st.FreePageN, st.PendingPageN)
	return env
}

// writeBenchStories writes benchStories story records spread over the last
// 3 days, each with 12 names drawn from a vocabulary of 5,000.
func writeBenchStories(tx *bolt.Tx, r *rand.Rand, n int) error {
	for i := range benchStories {
		f := make(match.Features)
		for range 12 {
			f["e:name"+strconv.Itoa(r.IntN(5000))] += 1
		}
		f["t:term"+strconv.Itoa(r.IntN(5000))] = 0.5
		id := strconv.Itoa(n - i)
		t := benchNow.Add(-time.Duration(i) * 72 * time.Hour / benchStories)
		rec := storyRecord{StoryProfile: match.StoryProfile{ID: id}, Title: "story " + id}
		if err := saveStory(tx, &rec, nil, f, &match.Item{ID: id, Feed: "gen", Published: t}); err != nil {
			return err
		}
	}
	return nil
}

// benchItemText is a made-up report whose names overlap the generated
// story vocabulary only by chance.
const benchItemText = `Negotiators from Kabul and Islamabad met for a fourth day in Istanbul on Tuesday, officials said.
The Qatari and Turkish mediators said both delegations had agreed to keep the truce in place while they study a written mechanism.`

// benchDedup builds a store of n generated fingerprints once and runs two
// sub-benchmarks on it: "link", the whole per-item work of Commit (lookup,
// verification, story, index writes), and "lookup", the read side alone
// (band seeks, verification, story search).
func benchDedup(b *testing.B, n int) {
	env := buildBenchStore(b, n)
	// The generated fingerprints have no items or stories behind them;
	// give the ones the copies point to both, for addSource and
	// storyAddCopy to update.
	err := env.s.db.Update(func(tx *bolt.Tx) error {
		for _, id := range env.of {
			key := idKey(id)
			can := match.Item{ID: strconv.FormatUint(id, 10), Feed: "gen", Title: "generated", Published: benchNow}
			if err := putItem(tx, key, &can); err != nil {
				return err
			}
			rec := storyRecord{StoryProfile: match.StoryProfile{ID: can.ID}}
			if err := saveStory(tx, &rec, nil, match.Features{"e:generated": 1}, &can); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	warm(b, env.s)
	b.Run("link", func(b *testing.B) { benchLink(b, env) })
	b.Run("lookup", func(b *testing.B) { benchLookup(b, env) })
}

// nextFingerprint alternates near copies of stored texts (90% of a stored
// shingle set plus a few new shingles) with new random texts.
func (env *benchEnv) nextFingerprint(r *rand.Rand, i int) match.Fingerprint {
	if i%2 == 0 {
		return env.copies[(i/2)%len(env.copies)]
	}
	return randomFingerprint(r, benchShingles)
}

func benchLink(b *testing.B, env *benchEnv) {
	cfg := env.s.link
	r := rand.New(rand.NewPCG(7, 7))
	runtime.GC() // collect the setup's garbage now, not during the timed loop
	seq := uint64(env.n + benchStories + 1)
	copiesFound, i := 0, 0
	cpu0 := cpuTime()
	b.ResetTimer()
	var tx *bolt.Tx
	for b.Loop() {
		// Items run in write transactions of benchDocItems, as Commit
		// stores one feed document, rolled back so every document meets
		// the same store.
		fp := env.nextFingerprint(r, i)
		if i%benchDocItems == 0 {
			if tx != nil {
				tx.Rollback()
			}
			var err error
			if tx, err = env.s.db.Begin(true); err != nil {
				b.Fatal(err)
			}
		}
		i++
		seq++
		it := match.Item{ID: strconv.FormatUint(seq, 10), Feed: "bench", Title: "Talks enter fourth day",
			Summary: benchItemText, Published: benchNow}
		if err := putItem(tx, idKey(seq), &it); err != nil {
			b.Fatal(err)
		}
		if err := linkFingerprint(tx, cfg, &it, fp); err != nil {
			b.Fatal(err)
		}
		if it.DuplicateOf != "" {
			copiesFound++
		}
	}
	tx.Rollback()
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
	if copiesFound < i/2 {
		b.Fatalf("found %d copies among %d items, want >= %d", copiesFound, i, i/2)
	}
	fi, _ := os.Stat(env.path)
	b.ReportMetric(float64(fi.Size())/float64(env.n), "file-bytes/fp")
}

func benchLookup(b *testing.B, env *benchEnv) {
	cfg := env.s.link
	r := rand.New(rand.NewPCG(8, 8))
	f := match.StoryFeatures("Talks enter fourth day", benchItemText)
	self := idKey(uint64(env.n + benchStories + 1))
	runtime.GC()
	copiesFound, i := 0, 0
	cpu0 := cpuTime()
	b.ResetTimer()
	err := env.s.db.View(func(tx *bolt.Tx) error {
		for b.Loop() {
			fp := env.nextFingerprint(r, i)
			i++
			var why DupExplanation
			best, _, _, _, err := findCopy(tx, cfg.dedup, fp, self, &why)
			if err != nil {
				return err
			}
			if best != nil {
				copiesFound++
				continue
			}
			if _, _, _, _, err := findStory(tx, cfg.stories, f, benchNow); err != nil {
				return err
			}
		}
		return nil
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
	if copiesFound < i/2 {
		b.Fatalf("found %d copies among %d items, want >= %d", copiesFound, i, i/2)
	}
}

func BenchmarkDedup10k(b *testing.B) { benchDedup(b, 10_000) }

func BenchmarkDedup1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1M-fingerprint store; run without -short")
	}
	benchDedup(b, 1_000_000)
}

// warm reads every page of the dedup buckets once, as a running daemon's
// page cache holds them after a while: the benchmark then measures the
// index work, not the first page faults of a freshly written file.
func warm(b *testing.B, s *Store) {
	b.Helper()
	start := time.Now()
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketDupBand, bucketDupFP} {
			c := tx.Bucket(name).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				n += len(k) + len(v)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("warmed %d MB of keys and values in %v", n>>20, time.Since(start).Round(time.Millisecond))
}

// cpuTime is the process's user+system CPU time: under a loaded machine it
// varies less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCommitRealItems commits real articles, the five seeds and a
// republished copy of each, in 40 rounds (each round's texts prefixed with
// its number, so later rounds are copies of the first: a copy-heavy worst
// case for the explain records), one Commit per round of 10 items, and
// reports per stored item the file size, the items bucket and the six dedup
// and story buckets (bytes in use).
func BenchmarkCommitRealItems(b *testing.B) {
	seeds := sharedSeeds(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), fmt.Sprintf("real-%d.db", time.Now().UnixNano()))
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n := 0
		for round := range 40 {
			var batch []match.Item
			for i, sd := range seeds {
				sd.GUID = fmt.Sprintf("%s-%d", sd.GUID, round)
				sd.Link = fmt.Sprintf("%s/%d", sd.Link, round)
				sd.Summary = fmt.Sprintf("Round %d.\n%s", round, sd.Summary)
				batch = append(batch, sd, republish(sd, fmt.Sprintf("outlet%d", i), sd.Published.Add(time.Hour)))
			}
			res, err := s.Commit(ctx, Batch{Kept: batch})
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Stored)
		}
		b.StopTimer()
		var dedupBytes, itemBytes int
		s.db.View(func(tx *bolt.Tx) error {
			st := tx.Bucket(bucketItems).Stats()
			itemBytes = st.LeafInuse + st.BranchInuse
			for _, name := range [][]byte{bucketDupFP, bucketDupBand, bucketDupWhy, bucketStories, bucketStoryItems, bucketStoryTime} {
				st := tx.Bucket(name).Stats()
				dedupBytes += st.LeafInuse + st.BranchInuse
			}
			return nil
		})
		s.Close()
		fi, _ := os.Stat(path)
		b.ReportMetric(float64(fi.Size())/float64(n), "file-bytes/item")
		b.ReportMetric(float64(dedupBytes)/float64(n), "dedup-bytes/item")
		b.ReportMetric(float64(itemBytes)/float64(n), "item-json-bytes/item")
		b.StartTimer()
	}
}
