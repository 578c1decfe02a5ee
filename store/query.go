package store

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// Query selects stored items. Zero fields do not filter.
type Query struct {
	// Since and Until bound the item's sort time (published, or fetched
	// when published is missing or bogus): Since <= t < Until.
	Since, Until time.Time
	Feed         string
	Topic        string
	// Words must all appear, as whole words, in the title or summary
	// (compared after match.Fold).
	Words []string
	// Limit caps the number of items returned; 0 means no limit.
	Limit int
	// Story selects the items of one story (its id).
	Story string
	// Copies includes items stored as copies of another (DuplicateOf set);
	// by default only canonical items are listed, each with its sources.
	Copies bool
}

// Items returns the items matching q, newest first. It scans the time index
// (or the feed index when q.Feed is set) backwards from Until to Since, so
// its cost follows the window, not the database.
func (s *Store) Items(ctx context.Context, q Query) ([]match.Item, error) {
	words := make([]string, 0, len(q.Words))
	for _, w := range q.Words {
		words = append(words, match.Words(match.Fold(w))...)
	}
	var out []match.Item
	err := s.db.View(func(tx *bolt.Tx) error {
		if q.Story != "" {
			var err error
			out, err = storyItems(tx, q, words)
			return err
		}
		items := tx.Bucket(bucketItems)
		var prefix []byte
		c := tx.Bucket(bucketByTime).Cursor()
		if q.Feed != "" {
			prefix = feedPrefix(q.Feed)
			c = tx.Bucket(bucketByFeed).Cursor()
		}
		lo := append(bytes.Clone(prefix), timeKey(q.Since)...)
		var k []byte
		if q.Until.IsZero() {
			k = seekLast(c, prefix)
		} else {
			k, _ = c.Seek(append(bytes.Clone(prefix), timeKey(q.Until)...))
			if k == nil {
				k = seekLast(c, prefix)
			} else {
				k, _ = c.Prev()
			}
		}
		for n := 0; k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, lo) >= 0; k, _ = c.Prev() {
			if n++; n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			id := k[len(k)-8:]
			var it match.Item
			if err := json.Unmarshal(items.Get(id), &it); err != nil {
				return err
			}
			if !matches(&it, q, words) {
				continue
			}
			out = append(out, it)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// seekLast positions c on the last key with prefix (or the last key at all
// when prefix is empty).
func seekLast(c *bolt.Cursor, prefix []byte) []byte {
	if len(prefix) == 0 {
		k, _ := c.Last()
		return k
	}
	// prefix ends in 0x00; the next possible prefix ends in 0x01.
	next := bytes.Clone(prefix)
	next[len(next)-1] = 1
	k, _ := c.Seek(next)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	return k
}

func matches(it *match.Item, q Query, words []string) bool {
	if !q.Copies && it.DuplicateOf != "" {
		return false
	}
	if q.Topic != "" && !slices.Contains(it.Topics, q.Topic) {
		return false
	}
	if len(words) == 0 {
		return true
	}
	have := map[string]bool{}
	for _, w := range match.Words(match.Fold(it.Title + " " + it.Summary)) {
		have[w] = true
	}
	for _, w := range words {
		if !have[w] {
			return false
		}
	}
	return true
}
