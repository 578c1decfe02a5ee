package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FeedState is what the poller remembers about one feed between polls and
// across restarts: where it lives now, its validators, when it is due, how
// it has been failing, and its counters. It is keyed by feed name in the
// feeds bucket and stored as JSON.
type FeedState struct {
	Name string `json:"name"`
	// URL is the address polled: the configured one, or where a permanent
	// redirect (301/308) moved the feed.
	URL string `json:"url"`
	// OriginalURL is the configured address the state belongs to. When the
	// configuration changes a feed's URL the poller starts the state afresh.
	OriginalURL string `json:"original_url"`

	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`

	// NextDue is when the feed is polled next (zero: not yet scheduled).
	NextDue time.Time `json:"next_due"`
	// NotBefore is the earliest next request the feed's failures allow
	// (backoff and Retry-After); `wirewatch poll` honours it unless forced.
	NotBefore time.Time `json:"not_before"`
	// ConsecutiveFailures resets to zero on a success.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// Backoff is the current backoff ceiling; zero while healthy.
	Backoff time.Duration `json:"backoff"`

	LastAttempt time.Time `json:"last_attempt"`
	LastSuccess time.Time `json:"last_success"`
	// LastStatus is the HTTP status of the last attempt, 0 without a response.
	LastStatus int `json:"last_status"`
	// LastError, LastErrorClass and LastErrorAt describe the last failure;
	// they stay after a success so health shows what went wrong last.
	LastError      string    `json:"last_error,omitempty"`
	LastErrorClass string    `json:"last_error_class,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at"`
	// Gone is set by 410 Gone: the feed is no longer polled.
	Gone bool `json:"gone"`

	// TTL, SkipHours (GMT) and SkipDays are the feed's own hints from the
	// last document parsed; they still apply while the server answers 304.
	TTL       time.Duration  `json:"ttl,omitempty"`
	SkipHours []int          `json:"skip_hours,omitempty"`
	SkipDays  []time.Weekday `json:"skip_days,omitempty"`
	// FreshUntil is when the last successful response stops being fresh by
	// its Cache-Control max-age or Expires header (at most 24h ahead);
	// zero when it carried neither. A restart honours it like the hints
	// above.
	FreshUntil time.Time `json:"fresh_until,omitzero"`

	ItemsSeen   int64 `json:"items_seen"`
	ItemsKept   int64 `json:"items_kept"`
	Requests    int64 `json:"requests"`
	NotModified int64 `json:"not_modified"`
	Bytes       int64 `json:"bytes"`
}

// Failing reports whether the last attempt failed.
func (f *FeedState) Failing() bool { return f.ConsecutiveFailures > 0 }

// FeedState returns the stored state of the named feed, or ErrNotFound.
func (s *Store) FeedState(ctx context.Context, name string) (FeedState, error) {
	if err := ctx.Err(); err != nil {
		return FeedState{}, err
	}
	var st FeedState
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketFeeds).Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &st)
	})
	if err != nil {
		return FeedState{}, fmt.Errorf("feed state %q: %w", name, err)
	}
	return st, nil
}

// FeedStates returns every stored feed state, ordered by name. States of
// feeds no longer configured are kept (re-adding a feed keeps its history);
// callers filter by the configured names.
func (s *Store) FeedStates(ctx context.Context) ([]FeedState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []FeedState
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFeeds).ForEach(func(k, v []byte) error {
			var st FeedState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("feed %q: %w", k, err)
			}
			out = append(out, st)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("feed states: %w", err)
	}
	return out, nil
}

// PutFeedStates writes the given states in one transaction.
func (s *Store) PutFeedStates(ctx context.Context, states ...FeedState) error {
	if len(states) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeeds)
		for i := range states {
			if states[i].Name == "" {
				return fmt.Errorf("feed state without a name")
			}
			v, err := json.Marshal(&states[i])
			if err != nil {
				return err
			}
			if err := b.Put([]byte(states[i].Name), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save feed states: %w", err)
	}
	return nil
}
