package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/wirewatch/wirewatch/match"
)

// Bucket names. Unexported: nothing outside this package knows the layout.
var (
	bucketMeta   = []byte("meta")
	bucketItems  = []byte("items")
	bucketByTime = []byte("by_time")
	bucketByFeed = []byte("by_feed")
	bucketIdent  = []byte("ident")
	bucketSeen   = []byte("seen")
	bucketFeeds  = []byte("feeds")
)

// buckets is every top-level bucket; Open creates them all in one Update.
// To add a bucket, add it here and describe it in doc.go.
var buckets = [][]byte{
	bucketMeta,
	bucketItems,
	bucketByTime,
	bucketByFeed,
	bucketIdent,
	bucketSeen,
	bucketOutbox,
	bucketDigestState,
	bucketFeeds,
	bucketDupFP,
	bucketDupBand,
	bucketDupWhy,
	bucketStories,
	bucketStoryItems,
	bucketStoryTime,
}

var keySchema = []byte("schema")

// ErrNotFound is returned when an item (or other record) does not exist.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned by Open when another process holds the database and
// Options.Timeout ran out while waiting for it.
var ErrLocked = errors.New("database is locked by another process")

// Options configure Open.
type Options struct {
	// ReadOnly opens the file with a shared lock and no writes. It fails if
	// the file does not exist.
	ReadOnly bool
	// Timeout bounds the wait for the file lock; zero waits forever.
	Timeout time.Duration
	// Logger receives migration and maintenance messages; nil discards them.
	Logger *slog.Logger
	// Dedup and Stories are the thresholds new items are linked to copies
	// and stories with; zero values mean match.DefaultDedupConfig and
	// match.DefaultStoryConfig.
	Dedup   match.DedupConfig
	Stories match.StoryConfig
}

// Store is a wirewatch database: one bbolt file.
type Store struct {
	db   *bolt.DB
	log  *slog.Logger
	path string
	link linkConfig
}

// Open opens (creating if needed, unless read-only) the database at path,
// creates missing buckets and runs pending schema migrations, all in one
// write transaction.
func Open(path string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create store directory: %w", err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opts.Timeout,
		ReadOnly: opts.ReadOnly,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, log: log, path: path, link: newLinkConfig(opts)}
	if opts.ReadOnly {
		err = db.View(func(tx *bolt.Tx) error { return checkSchema(tx) })
	} else {
		err = db.Update(func(tx *bolt.Tx) error { return s.migrate(tx) })
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database file. It waits for open transactions.
func (s *Store) Close() error { return s.db.Close() }

// Check verifies the file's internal consistency (bbolt's page and freelist
// checks) and that every indexed item exists. It reads a snapshot, so it may
// run while the store is in use.
func (s *Store) Check(ctx context.Context) error {
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("bbolt check: %w", err)
		}
		items := tx.Bucket(bucketItems)
		c := tx.Bucket(bucketByTime).Cursor()
		for n, k := 0, []byte(nil); ; n++ {
			if n == 0 {
				k, _ = c.First()
			} else {
				k, _ = c.Next()
			}
			if k == nil {
				return nil
			}
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if items.Get(k[len(k)-8:]) == nil {
				return fmt.Errorf("time index names missing item %x", k[len(k)-8:])
			}
		}
	})
}
