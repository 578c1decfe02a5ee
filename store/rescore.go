package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// UpdateScores writes new topics, score and matched rules for stored items
// (as `wirewatch rescore --apply` computes them) in one transaction. Only
// those three fields change; every other field, and every index, stays as
// stored. An ID that is not stored fails the whole update with ErrNotFound.
func (s *Store) UpdateScores(ctx context.Context, items []match.Item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for _, it := range items {
			key, err := parseID(it.ID)
			if err != nil {
				return err
			}
			v := b.Get(key)
			if v == nil {
				return fmt.Errorf("item %s: %w", it.ID, ErrNotFound)
			}
			var stored match.Item
			if err := json.Unmarshal(v, &stored); err != nil {
				return fmt.Errorf("decode item %s: %w", it.ID, err)
			}
			stored.Topics, stored.Score, stored.Matched = it.Topics, it.Score, it.Matched
			if err := putItem(tx, key, &stored); err != nil {
				return err
			}
		}
		return nil
	})
}
