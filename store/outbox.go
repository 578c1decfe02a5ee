package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Outbox buckets. outbox: digest id -> Digest JSON. digestState: digest name
// -> digestState JSON (the delivered window end and the pending digest id).
var (
	bucketOutbox      = []byte("outbox")
	bucketDigestState = []byte("digest_state")
)

// Digest statuses.
const (
	DigestPending   = "pending"   // written, not yet delivered; retried
	DigestDelivered = "delivered" // a 2xx was received; its window is done
	DigestFailed    = "failed"    // permanent error or retries exhausted
)

// ErrWindowMoved is returned by CreateDigest when the digest's window does
// not start where the last delivered digest ended (it was built from a stale
// read); rebuild it.
var ErrWindowMoved = errors.New("digest window moved")

// Digest is one outbox entry: a rendered digest and its delivery state.
type Digest struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Created     time.Time `json:"created"`
	Subject     string    `json:"subject"`
	Stories     int       `json:"stories"`
	Format      string    `json:"format"`
	ContentType string    `json:"content_type"`
	Body        []byte    `json:"body"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	LastStatus  int       `json:"last_status,omitempty"` // HTTP status of the last attempt
	LastError   string    `json:"last_error,omitempty"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Delivered   time.Time `json:"delivered,omitzero"`
}

// Attempt is the outcome of one delivery attempt, for RecordAttempt.
type Attempt struct {
	At          time.Time
	Status      string // DigestPending (retry at NextAttempt), DigestDelivered or DigestFailed
	HTTPStatus  int
	Error       string
	NextAttempt time.Time
}

// DigestQuery selects outbox entries for Digests.
type DigestQuery struct {
	Name   string // empty: all digests
	Status string // empty: any status
	Limit  int    // <= 0: no limit
}

type digestState struct {
	WindowEnd time.Time `json:"window_end,omitzero"` // end of the last delivered digest
	// Origin is the start of the name's first digest: where the next window
	// starts while nothing was delivered yet (so a failed first digest's
	// stories are in the next one).
	Origin        time.Time `json:"origin,omitzero"`
	Pending       string    `json:"pending,omitempty"` // id of the pending digest, if any
	LastDelivered string    `json:"last_delivered,omitempty"`
}

// outboxBuckets returns the outbox buckets of a write transaction (Open
// creates them; readers treat a missing bucket as empty).
func outboxBuckets(tx *bolt.Tx) (ob, st *bolt.Bucket, err error) {
	ob, st = tx.Bucket(bucketOutbox), tx.Bucket(bucketDigestState)
	if ob == nil || st == nil {
		return nil, nil, errors.New("outbox buckets missing: reopen the store read-write")
	}
	return ob, st, nil
}

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	if b == nil {
		return false, nil
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// next is where the name's next window starts; zero for a new name.
func (st digestState) next() time.Time {
	if !st.WindowEnd.IsZero() {
		return st.WindowEnd
	}
	return st.Origin
}

// DigestWindowStart returns where the next window of digest name starts: the
// end of the last delivered digest, or, before any was delivered, the start
// of the first digest ever written. Zero for a name never seen.
func (s *Store) DigestWindowStart(ctx context.Context, name string) (time.Time, error) {
	var st digestState
	err := s.outboxView(ctx, func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketDigestState), name, &st)
		return err
	})
	return st.next(), err
}

// PendingDigest returns the pending digest named name, or ErrNotFound.
func (s *Store) PendingDigest(ctx context.Context, name string) (Digest, error) {
	var d Digest
	err := s.outboxView(ctx, func(tx *bolt.Tx) error {
		var st digestState
		if _, err := getJSON(tx.Bucket(bucketDigestState), name, &st); err != nil {
			return err
		}
		if st.Pending == "" {
			return ErrNotFound
		}
		ok, err := getJSON(tx.Bucket(bucketOutbox), st.Pending, &d)
		if err == nil && !ok {
			err = fmt.Errorf("pending digest %s of %s missing from outbox", st.Pending, name)
		}
		return err
	})
	return d, err
}

// CreateDigest writes d to the outbox as the pending digest of its name, in
// one transaction, unless one is already pending: then that one is returned
// unchanged and d is discarded, so a name never has two different digests
// for one window. d.WindowStart must equal DigestWindowStart (ErrWindowMoved
// otherwise). The returned digest is the one to send.
func (s *Store) CreateDigest(ctx context.Context, d Digest) (Digest, error) {
	if d.ID == "" || d.Name == "" {
		return Digest{}, errors.New("create digest: id and name are required")
	}
	out := d
	err := s.outboxUpdate(ctx, func(tx *bolt.Tx) error {
		ob, sb, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		var st digestState
		if _, err := getJSON(sb, d.Name, &st); err != nil {
			return err
		}
		if st.Pending != "" {
			ok, err := getJSON(ob, st.Pending, &out)
			if err == nil && !ok {
				err = fmt.Errorf("pending digest %s of %s missing from outbox", st.Pending, d.Name)
			}
			return err
		}
		if next := st.next(); !next.IsZero() && !d.WindowStart.Equal(next) {
			return fmt.Errorf("create digest %s: %w", d.ID, ErrWindowMoved)
		}
		if st.Origin.IsZero() {
			st.Origin = d.WindowStart
		}
		if ob.Get([]byte(d.ID)) != nil {
			return fmt.Errorf("create digest: id %s already exists", d.ID)
		}
		out.Status, out.Attempts = DigestPending, 0
		if err := putJSON(ob, d.ID, out); err != nil {
			return err
		}
		st.Pending = d.ID
		return putJSON(sb, d.Name, st)
	})
	if err != nil {
		return Digest{}, err
	}
	return out, nil
}

// RecordAttempt stores the outcome of one delivery attempt of digest id and
// returns the updated digest. Delivered advances the name's window to the
// digest's window end in the same transaction; delivered and failed release
// the name's pending slot. A digest that is no longer pending is left as it
// is (a late result cannot undo a delivery).
func (s *Store) RecordAttempt(ctx context.Context, id string, a Attempt) (Digest, error) {
	var d Digest
	err := s.outboxUpdate(ctx, func(tx *bolt.Tx) error {
		ob, sb, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		if ok, err := getJSON(ob, id, &d); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("digest %s: %w", id, ErrNotFound)
		}
		if d.Status != DigestPending {
			return nil
		}
		d.Attempts++
		d.LastAttempt, d.LastStatus, d.LastError = a.At, a.HTTPStatus, a.Error
		d.NextAttempt = time.Time{}
		switch a.Status {
		case DigestPending:
			d.NextAttempt = a.NextAttempt
		case DigestDelivered, DigestFailed:
			d.Status = a.Status
		default:
			return fmt.Errorf("record attempt: bad status %q", a.Status)
		}
		if a.Status == DigestDelivered {
			d.Delivered = a.At
		}
		if err := putJSON(ob, id, d); err != nil {
			return err
		}
		if d.Status == DigestPending {
			return nil
		}
		var st digestState
		if _, err := getJSON(sb, d.Name, &st); err != nil {
			return err
		}
		if st.Pending == id {
			st.Pending = ""
		}
		if d.Status == DigestDelivered && d.WindowEnd.After(st.WindowEnd) {
			st.WindowEnd, st.LastDelivered = d.WindowEnd, id
		}
		return putJSON(sb, d.Name, st)
	})
	return d, err
}

// Digest returns the outbox entry id, or ErrNotFound.
func (s *Store) Digest(ctx context.Context, id string) (Digest, error) {
	var d Digest
	err := s.outboxView(ctx, func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketOutbox), id, &d)
		if err == nil && !ok {
			err = fmt.Errorf("digest %s: %w", id, ErrNotFound)
		}
		return err
	})
	return d, err
}

// Digests returns outbox entries matching q, newest first.
func (s *Store) Digests(ctx context.Context, q DigestQuery) ([]Digest, error) {
	var out []Digest
	err := s.outboxView(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var d Digest
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode outbox/%s: %w", k, err)
			}
			if (q.Name == "" || d.Name == q.Name) && (q.Status == "" || d.Status == q.Status) {
				out = append(out, d)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Digest) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, err
}

func (s *Store) outboxView(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func (s *Store) outboxUpdate(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
}
