package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// Near-duplicate and story buckets (see doc.go, "Copies and stories").
var (
	bucketDupFP      = []byte("dup_fp")
	bucketDupBand    = []byte("dup_band")
	bucketDupWhy     = []byte("dup_why")
	bucketStories    = []byte("stories")
	bucketStoryItems = []byte("story_items")
	bucketStoryTime  = []byte("story_time")
)

// Limits that keep the work per new item bounded whatever the store holds.
const (
	// maxCandidates caps the copy candidates verified per item (oldest
	// first). With 32 bands of 2 rows, distinct texts share a band key about
	// once in 33,000 pairs, so real candidates are few.
	maxCandidates = 256
	// maxWhy caps the candidate decisions kept for explain --dup (best first).
	maxWhy = 5
	// storyPrefilterNames is how many of a story's strongest names are kept
	// beside its time key to skip stories without decoding them.
	storyPrefilterNames = 32
)

// linkConfig holds the thresholds Commit links new items with.
type linkConfig struct {
	dedup   match.DedupConfig
	stories match.StoryConfig
}

func newLinkConfig(opts Options) linkConfig {
	c := linkConfig{dedup: opts.Dedup, stories: opts.Stories}
	if c.dedup == (match.DedupConfig{}) {
		c.dedup = match.DefaultDedupConfig()
	}
	if c.stories == (match.StoryConfig{}) {
		c.stories = match.DefaultStoryConfig()
	}
	return c
}

// DupExplanation is what `wirewatch explain --dup ID` prints: how an item's
// copy and story links were decided when it was stored.
type DupExplanation struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	// Candidates is how many stored items shared a band key with it.
	Candidates int `json:"candidates"`
	// Decisions are the verified candidates, best first (at most 5).
	Decisions []match.DupDecision `json:"decisions"`
	// DuplicateOf is the canonical item it was linked to, if a copy.
	DuplicateOf string `json:"duplicate_of"`
	// Story is the story it joined or started; StoryDecision explains a
	// join (nil when it started its own story or is a copy).
	Story         string               `json:"story"`
	StoryDecision *match.StoryDecision `json:"story_decision,omitempty"`
	// StoriesCompared counts the stories in the window that were compared.
	StoriesCompared int               `json:"stories_compared"`
	Dedup           match.DedupConfig `json:"dedup"`
	StoryConfig     match.StoryConfig `json:"story_config"`
}

// storyRecord is a story as kept in the stories bucket.
type storyRecord struct {
	match.StoryProfile
	Title      string    `json:"title"`
	Reports    int       `json:"reports"` // members, copies included
	Feeds      []string  `json:"feeds"`
	Earliest   string    `json:"earliest"` // earliest-published member
	EarliestAt time.Time `json:"earliest_at"`
	Origin     string    `json:"origin"`
}

// fpValue encodes a dup_fp value: canonical id, story id, fingerprint.
func fpValue(canonical, story []byte, fp match.Fingerprint) ([]byte, error) {
	enc, err := fp.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(append(append(make([]byte, 0, 16+len(enc)), canonical...), story...), enc...), nil
}

func decodeFPValue(v []byte) (canonical, story []byte, fp match.Fingerprint, err error) {
	if len(v) < 17 {
		return nil, nil, fp, fmt.Errorf("short fingerprint record")
	}
	err = fp.UnmarshalBinary(v[16:])
	return bytes.Clone(v[:8]), bytes.Clone(v[8:16]), fp, err
}

func idString(k []byte) string { return strconv.FormatUint(binary.BigEndian.Uint64(k), 10) }

// linkFingerprint assigns a new item's DuplicateOf and Story inside the
// write transaction that stores it (Commit computed its fingerprint and
// origin beforehand), and indexes it for later items. The first stored item
// of a copy group stays canonical: a later copy points to it and is added to
// its sources. An item that is no copy joins the most similar story in the
// time window, or starts its own (story = its id).
func linkFingerprint(tx *bolt.Tx, cfg linkConfig, it *match.Item, fp match.Fingerprint) error {
	key := idKey(mustSeq(it.ID))
	why := DupExplanation{ID: it.ID, Fingerprint: fp.String(), Dedup: cfg.dedup, StoryConfig: cfg.stories}
	best, canonical, story, n, err := findCopy(tx, cfg.dedup, fp, key, &why)
	if err != nil {
		return err
	}
	why.Candidates = n
	if best != nil {
		it.DuplicateOf, it.Story = idString(canonical), idString(story)
		if err := addSource(tx, canonical, it); err != nil {
			return err
		}
		if err := storyAddCopy(tx, story, it); err != nil {
			return err
		}
	} else {
		canonical = key
		d, compared, err := assignStory(tx, cfg.stories, it)
		if err != nil {
			return err
		}
		why.StoryDecision, why.StoriesCompared = d, compared
		story = idKey(mustSeq(it.Story))
	}
	why.DuplicateOf, why.Story = it.DuplicateOf, it.Story
	if err := indexFingerprint(tx, key, canonical, story, fp); err != nil {
		return err
	}
	if err := tx.Bucket(bucketStoryItems).Put(append(bytes.Clone(story), key...), nil); err != nil {
		return err
	}
	v, err := json.Marshal(why)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDupWhy).Put(key, v)
}

func mustSeq(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

// findCopy looks up the candidates sharing a band key with fp, verifies
// each, and returns the best copy decision (nil if none) with the
// candidate's canonical and story keys.
func findCopy(tx *bolt.Tx, cfg match.DedupConfig, fp match.Fingerprint, self []byte, why *DupExplanation) (*match.DupDecision, []byte, []byte, int, error) {
	cands := candidates(tx, fp, self)
	fps := tx.Bucket(bucketDupFP)
	type link struct{ canonical, story []byte }
	links := make(map[string]link, len(cands))
	decisions := make([]match.DupDecision, 0, len(cands))
	for _, c := range cands {
		v := fps.Get(c)
		if v == nil {
			continue
		}
		canon, story, cfp, err := decodeFPValue(v)
		if err != nil {
			return nil, nil, nil, 0, fmt.Errorf("fingerprint of %s: %w", idString(c), err)
		}
		d := cfg.Decide(fp, cfp)
		d.Candidate = idString(c)
		links[d.Candidate] = link{canon, story}
		decisions = append(decisions, d)
	}
	slices.SortStableFunc(decisions, func(a, b match.DupDecision) int {
		switch {
		case a.Copy != b.Copy:
			if a.Copy {
				return -1
			}
			return 1
		case a.Containment > b.Containment:
			return -1
		case a.Containment < b.Containment:
			return 1
		}
		return 0
	})
	why.Decisions = decisions[:min(len(decisions), maxWhy)]
	best, ok := match.BestCopy(decisions)
	if !ok {
		return nil, nil, nil, len(cands), nil
	}
	l := links[best.Candidate]
	return &best, l.canonical, l.story, len(cands), nil
}

// candidates returns the ids (8-byte keys, ascending) of stored items that
// share at least one band key with fp: one cursor Seek per band, so the
// cost follows the number of matches, not the size of the store.
func candidates(tx *bolt.Tx, fp match.Fingerprint, self []byte) [][]byte {
	c := tx.Bucket(bucketDupBand).Cursor()
	seen := make(map[string]bool)
	var out [][]byte
	for _, bk := range fp.BandKeys() {
		for k, _ := c.Seek(bk); k != nil && bytes.HasPrefix(k, bk); k, _ = c.Next() {
			id := k[len(bk):]
			if bytes.Equal(id, self) || seen[string(id)] {
				continue
			}
			seen[string(id)] = true
			out = append(out, bytes.Clone(id))
		}
	}
	slices.SortFunc(out, bytes.Compare)
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

func indexFingerprint(tx *bolt.Tx, key, canonical, story []byte, fp match.Fingerprint) error {
	v, err := fpValue(canonical, story, fp)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketDupFP).Put(key, v); err != nil {
		return err
	}
	bands := tx.Bucket(bucketDupBand)
	for _, bk := range fp.BandKeys() {
		if err := bands.Put(append(bk, key...), nil); err != nil {
			return err
		}
	}
	return nil
}

// addSource records a copy on its canonical item: a source entry, and the
// copy's origin when the canonical names none.
func addSource(tx *bolt.Tx, canonical []byte, cp *match.Item) error {
	items := tx.Bucket(bucketItems)
	var can match.Item
	if err := json.Unmarshal(items.Get(canonical), &can); err != nil {
		return fmt.Errorf("canonical %s: %w", idString(canonical), err)
	}
	can.Sources = append(can.Sources, match.Source{ID: cp.ID, Feed: cp.Feed, Link: cp.Link, Published: cp.Published})
	if can.Origin == "" {
		can.Origin = cp.Origin
	}
	return putItem(tx, canonical, &can)
}
