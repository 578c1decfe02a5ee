package store

import (
	"context"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// WriteSnapshot streams a consistent copy of the database to w while it
// stays open for readers and writers: one read transaction sees one
// snapshot. sized, when not nil, is called with the copy's exact length
// before the first byte is written (an HTTP handler sets Content-Length
// from it, so a cut-off transfer is detected). The daemon serves backups
// through it; Backup writes to a file.
func (s *Store) WriteSnapshot(ctx context.Context, w io.Writer, sized func(n int64)) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if sized != nil {
			sized(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("snapshot: %w", err)
	}
	return n, nil
}
