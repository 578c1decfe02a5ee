package store

// This file is a stand-in for the lead's store.go until the spine lands on
// main: just enough of the Store (Open, Close, ErrNotFound) for the outbox to
// be built and tested against a real bbolt file. It is deleted on rebase.

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

// Options configure Open.
type Options struct {
	ReadOnly bool
	Timeout  time.Duration
	Logger   *slog.Logger
}

// Store is wirewatch's bbolt database.
type Store struct {
	db     *bolt.DB
	logger *slog.Logger
}

// Open opens (creating if needed) the database at path.
func Open(path string, opts Options) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: opts.ReadOnly, Timeout: opts.Timeout})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, logger: logger}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }
