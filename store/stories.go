package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// Story is one story as listed by `wirewatch stories`.
type Story struct {
	ID string `json:"id"`
	// Title is the headline of the story's first item.
	Title string `json:"title"`
	// Reports counts every stored item of the story, copies included;
	// Members counts those that are not copies.
	Reports int `json:"reports"`
	Members int `json:"members"`
	// Outlets are the feeds that carried it, in the order they did.
	Outlets []string  `json:"outlets"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	// Earliest is the id of the earliest-published report.
	Earliest string `json:"earliest"`
	// Origin is the agency or outlet the first report naming one credits.
	Origin string `json:"origin"`
}

// StoryQuery selects stories by their last report's time.
type StoryQuery struct {
	Since time.Time
	Limit int
}

func nameHash(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()
}

// prefilter packs the hashes of a story's strongest names.
func prefilter(f match.Features) []byte {
	names := f.TopNames(storyPrefilterNames)
	out := make([]byte, 4*len(names))
	for i, n := range names {
		binary.BigEndian.PutUint32(out[4*i:], nameHash(n))
	}
	return out
}

// sharedHashes counts how many packed hashes are in set.
func sharedHashes(packed []byte, set map[uint32]bool) int {
	n := 0
	for i := 0; i+4 <= len(packed); i += 4 {
		if set[binary.BigEndian.Uint32(packed[i:])] {
			n++
		}
	}
	return n
}

// assignStory puts a new item (no copy) into the most similar story in its
// time window (see findStory), or starts a story with the item's id.
func assignStory(tx *bolt.Tx, cfg match.StoryConfig, it *match.Item) (*match.StoryDecision, int, error) {
	f := match.StoryFeatures(it.Title, it.Summary)
	best, rec, timeKey, compared, err := findStory(tx, cfg, f, it.SortTime())
	if err != nil {
		return nil, 0, err
	}
	if best == nil {
		it.Story = it.ID
		rec := storyRecord{StoryProfile: match.StoryProfile{ID: it.ID}, Title: it.Title}
		return nil, compared, saveStory(tx, &rec, nil, f, it)
	}
	it.Story = best.Story
	return best, compared, saveStory(tx, &rec, timeKey, f, it)
}

// findStory returns the story features f at time t join, if any, with its
// record and story_time key, and how many stories were compared. Only
// stories whose last report lies in [t-Window, t+Window+MaxSpan] can
// qualify, found by one Seek on story_time; stories sharing fewer than
// MinSharedNames of their strongest names with the item are skipped
// without being decoded.
func findStory(tx *bolt.Tx, cfg match.StoryConfig, f match.Features, t time.Time) (*match.StoryDecision, storyRecord, []byte, int, error) {
	var bestRec storyRecord
	names := make(map[uint32]bool)
	for _, n := range f.NameFeatures() {
		names[nameHash(n)] = true
	}
	if t.IsZero() || len(names) < cfg.MinSharedNames {
		return nil, bestRec, nil, 0, nil
	}
	stories := tx.Bucket(bucketStories)
	var best *match.StoryDecision
	var bestTimeKey []byte
	compared := 0
	lo := timeKey(t.Add(-cfg.Window))
	hi := timeKey(t.Add(cfg.Window + cfg.MaxSpan))
	c := tx.Bucket(bucketStoryTime).Cursor()
	for k, v := c.Seek(lo); k != nil && (cfg.MaxSpan == 0 || bytes.Compare(k[:8], hi) <= 0); k, v = c.Next() {
		if sharedHashes(v, names) < cfg.MinSharedNames {
			continue
		}
		var rec storyRecord
		if err := json.Unmarshal(stories.Get(k[8:]), &rec); err != nil {
			return nil, bestRec, nil, 0, fmt.Errorf("story %s: %w", idString(k[8:]), err)
		}
		compared++
		d := cfg.DecideStory(f, t, rec.StoryProfile)
		if d.Join && (best == nil || d.Similarity > best.Similarity) {
			best, bestRec, bestTimeKey = &d, rec, bytes.Clone(k)
		}
	}
	return best, bestRec, bestTimeKey, compared, nil
}

// saveStory adds an item to a story record (features nil for a copy) and
// writes it back, moving its story_time key.
func saveStory(tx *bolt.Tx, rec *storyRecord, oldTimeKey []byte, f match.Features, it *match.Item) error {
	if f != nil {
		rec.Add(f, it.SortTime())
	} else {
		t := it.SortTime()
		if rec.First.IsZero() || t.Before(rec.First) {
			rec.First = t
		}
		if t.After(rec.Last) {
			rec.Last = t
		}
	}
	rec.Reports++
	if !slices.Contains(rec.Feeds, it.Feed) {
		rec.Feeds = append(rec.Feeds, it.Feed)
	}
	if pub := it.SortTime(); rec.Earliest == "" || pub.Before(rec.EarliestAt) {
		rec.Earliest, rec.EarliestAt = it.ID, pub
	}
	if rec.Origin == "" {
		rec.Origin = it.Origin
	}
	key := idKey(mustSeq(rec.ID))
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketStories).Put(key, v); err != nil {
		return err
	}
	st := tx.Bucket(bucketStoryTime)
	if oldTimeKey != nil {
		if err := st.Delete(oldTimeKey); err != nil {
			return err
		}
	}
	return st.Put(append(timeKey(rec.Last), key...), prefilter(rec.Features))
}

// storyAddCopy counts a copy in its canonical's story.
func storyAddCopy(tx *bolt.Tx, story []byte, cp *match.Item) error {
	var rec storyRecord
	v := tx.Bucket(bucketStories).Get(story)
	if v == nil {
		return fmt.Errorf("story %s: %w", idString(story), ErrNotFound)
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return fmt.Errorf("story %s: %w", idString(story), err)
	}
	oldKey := append(timeKey(rec.Last), story...)
	return saveStory(tx, &rec, oldKey, nil, cp)
}

func (r storyRecord) public() Story {
	return Story{ID: r.ID, Title: r.Title, Reports: r.Reports, Members: r.Members, Outlets: r.Feeds,
		First: r.First, Last: r.Last, Earliest: r.Earliest, Origin: r.Origin}
}

// errNoDedupBuckets is returned by reads of a file written before copies
// and stories existed, opened read-only (so Open could not add buckets).
var errNoDedupBuckets = errors.New("story and copy buckets missing: open the store read-write once (run the daemon or ingest) to create them")

func haveDedupBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDupWhy, bucketStories, bucketStoryItems, bucketStoryTime} {
		if tx.Bucket(name) == nil {
			return errNoDedupBuckets
		}
	}
	return nil
}

// Stories returns stories whose last report is at or after q.Since, the
// most recently active first.
func (s *Store) Stories(ctx context.Context, q StoryQuery) ([]Story, error) {
	var out []Story
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := haveDedupBuckets(tx); err != nil {
			return err
		}
		stories := tx.Bucket(bucketStories)
		lo := timeKey(q.Since)
		c := tx.Bucket(bucketStoryTime).Cursor()
		for k, _ := c.Last(); k != nil && bytes.Compare(k[:8], lo) >= 0; k, _ = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var rec storyRecord
			if err := json.Unmarshal(stories.Get(k[8:]), &rec); err != nil {
				return fmt.Errorf("story %s: %w", idString(k[8:]), err)
			}
			out = append(out, rec.public())
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// Story returns one story by id (the id of its first item).
func (s *Store) Story(ctx context.Context, id string) (Story, error) {
	var st Story
	key, err := parseID(id)
	if err != nil {
		return st, err
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if err := haveDedupBuckets(tx); err != nil {
			return err
		}
		v := tx.Bucket(bucketStories).Get(key)
		if v == nil {
			return fmt.Errorf("story %s: %w", id, ErrNotFound)
		}
		var rec storyRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		st = rec.public()
		return nil
	})
	return st, err
}

// storyItems returns the items of one story matching q, newest first,
// through the story_items index.
func storyItems(tx *bolt.Tx, q Query, words []string) ([]match.Item, error) {
	key, err := parseID(q.Story)
	if err != nil {
		return nil, err
	}
	if err := haveDedupBuckets(tx); err != nil {
		return nil, err
	}
	items := tx.Bucket(bucketItems)
	var out []match.Item
	c := tx.Bucket(bucketStoryItems).Cursor()
	for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
		var it match.Item
		if err := json.Unmarshal(items.Get(k[8:]), &it); err != nil {
			return nil, err
		}
		t := it.SortTime()
		if (!q.Since.IsZero() && t.Before(q.Since)) || (!q.Until.IsZero() && !t.Before(q.Until)) {
			continue
		}
		if (q.Feed == "" || it.Feed == q.Feed) && matches(&it, q, words) {
			out = append(out, it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SortTime().After(out[j].SortTime()) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// ExplainDup returns how an item's copy and story links were decided.
func (s *Store) ExplainDup(ctx context.Context, id string) (DupExplanation, error) {
	var why DupExplanation
	key, err := parseID(id)
	if err != nil {
		return why, err
	}
	if err := ctx.Err(); err != nil {
		return why, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if err := haveDedupBuckets(tx); err != nil {
			return err
		}
		v := tx.Bucket(bucketDupWhy).Get(key)
		if v == nil {
			return fmt.Errorf("dedup record of item %s: %w", id, ErrNotFound)
		}
		return json.Unmarshal(v, &why)
	})
	return why, err
}
