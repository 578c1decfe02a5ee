package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code reads and writes. A database with a
// higher version was written by a newer wirewatch and is refused.
const SchemaVersion = 1

// migrations[i] moves a database from schema version i+1 to i+2. Each runs
// inside the single write transaction Open starts, after every bucket in
// buckets exists, so a migration either completes with its version bump or
// not at all. Version 0 means a new, empty file: it needs no migration and is
// stamped SchemaVersion directly.
var migrations = []func(tx *bolt.Tx) error{}

func schemaOf(tx *bolt.Tx) uint32 {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0
	}
	v := b.Get(keySchema)
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func checkSchema(tx *bolt.Tx) error {
	v := schemaOf(tx)
	switch {
	case v == 0:
		return fmt.Errorf("not a wirewatch database (no schema version); run the daemon once to create it")
	case v > SchemaVersion:
		return fmt.Errorf("schema version %d is newer than this wirewatch understands (%d): upgrade wirewatch", v, SchemaVersion)
	case v < SchemaVersion:
		return fmt.Errorf("schema version %d is older than %d: open it once read-write (e.g. run the daemon) to migrate", v, SchemaVersion)
	}
	return nil
}

func (s *Store) migrate(tx *bolt.Tx) error {
	v := schemaOf(tx)
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this wirewatch understands (%d): upgrade wirewatch", v, SchemaVersion)
	}
	for _, name := range buckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if v == 0 { // a new file: the buckets just created are the current layout
		v = SchemaVersion
	}
	for ; v < SchemaVersion; v++ {
		s.log.Info("migrating store schema", "from", v, "to", v+1)
		if err := migrations[v-1](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], SchemaVersion)
	return tx.Bucket(bucketMeta).Put(keySchema, buf[:])
}
