package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// Batch is what one feed document contributes: the items topics kept (to
// store) and the items they dropped (to remember, so they are not scored
// again).
type Batch struct {
	Kept    []match.Item
	Dropped []match.Item
	// Seen is when the document was fetched; remembered items carry it.
	Seen time.Time
}

// CommitResult says what Commit did with a batch.
type CommitResult struct {
	// Stored are the items written, with their new IDs, in batch order.
	Stored []match.Item
	// Known counts kept items that were already stored for this feed.
	Known int
	// Remembered counts dropped items newly remembered.
	Remembered int
}

// Identity kinds in the ident and seen buckets.
const (
	identGUID    = 'g'
	identLink    = 'l'
	identContent = 'c'
)

// identities returns the identity keys of an item within its feed: GUID,
// normalised link, and a hash of normalised title + text. An item matching
// any one of them is already known.
func identities(it *match.Item) [][]byte {
	var ids [][]byte
	add := func(kind byte, s string) {
		if s == "" {
			return
		}
		k := make([]byte, 0, len(it.Feed)+2+32)
		k = append(k, it.Feed...)
		k = append(k, 0, kind)
		if kind == identContent {
			sum := sha256.Sum256([]byte(s))
			k = append(k, sum[:16]...)
		} else {
			k = append(k, s...)
		}
		ids = append(ids, k)
	}
	add(identGUID, it.GUID)
	add(identLink, NormalizeLink(it.Link))
	if text := match.Fold(it.Title) + "\n" + match.Fold(it.Summary); text != "\n" {
		add(identContent, text)
	}
	return ids
}

// seenKey compacts an identity to feed + kind + 16-byte hash: remembered
// (dropped) items cost ~40 bytes each.
func seenKey(ident []byte) []byte {
	i := bytes.IndexByte(ident, 0)
	if ident[i+1] == identContent {
		return ident
	}
	sum := sha256.Sum256(ident[i+2:])
	return append(append([]byte{}, ident[:i+2]...), sum[:16]...)
}

// trackingParams are query parameters that identify a campaign, not a page.
var trackingParams = []string{"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "cmpid", "ito", "at_medium", "at_campaign", "ocid", "smid"}

// NormalizeLink canonicalises a URL for identity: lower-case scheme and host,
// no fragment, no default port, no tracking parameters (utm_* and friends),
// remaining query parameters sorted, no trailing slash. A link that does not
// parse is returned trimmed.
func NormalizeLink(link string) string {
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
	}
	u.Fragment, u.RawFragment = "", ""
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") || slices.Contains(trackingParams, strings.ToLower(k)) {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode() // sorted by key
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

func idKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// ParseID turns a user-supplied item ID into its key.
func parseID(id string) ([]byte, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
	if err != nil || n == 0 {
		return nil, fmt.Errorf("item id %q: %w", id, ErrNotFound)
	}
	return idKey(n), nil
}

func timeKey(t time.Time) []byte {
	var k [8]byte
	n := t.UnixNano()
	if n < 0 || t.IsZero() {
		n = 0
	}
	binary.BigEndian.PutUint64(k[:], uint64(n))
	return k[:]
}

func feedPrefix(feed string) []byte { return append([]byte(feed), 0) }

// Known reports, for each item, whether its feed already has it stored or
// remembered as dropped, so the pipeline can skip scoring it. It is a hint:
// Commit checks again inside its write transaction.
func (s *Store) Known(ctx context.Context, items []match.Item) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	known := make([]bool, len(items))
	err := s.db.View(func(tx *bolt.Tx) error {
		ident, seen := tx.Bucket(bucketIdent), tx.Bucket(bucketSeen)
		for i := range items {
			for _, k := range identities(&items[i]) {
				if ident.Get(k) != nil || seen.Get(seenKey(k)) != nil {
					known[i] = true
					break
				}
			}
		}
		return nil
	})
	return known, err
}

// Commit stores one feed document's kept items and remembers its dropped
// ones, in one write transaction. Items already known for their feed (same
// GUID, normalised link, or normalised title + text) are skipped, including
// repeats inside the batch itself. Each stored item gets a new ID; Story,
// DuplicateOf and Origin are assigned by prepare and linkFingerprint (dedup.go).
func (s *Store) Commit(ctx context.Context, b Batch) (CommitResult, error) {
	var res CommitResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// Everything that depends only on the item (identities, fingerprint,
	// origin) is computed before the write transaction: bbolt has one
	// writer, and every feed polled waits for it.
	kept := make([]prepared, len(b.Kept))
	for i := range b.Kept {
		kept[i] = prepare(b.Kept[i], true)
	}
	dropped := make([][][]byte, len(b.Dropped))
	for i := range b.Dropped {
		dropped[i] = identities(&b.Dropped[i])
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = CommitResult{}
		w := writer{tx: tx, items: tx.Bucket(bucketItems), ident: tx.Bucket(bucketIdent), seen: tx.Bucket(bucketSeen), link: s.link}
		for i := range kept {
			p := kept[i]
			if w.known(p.idents) {
				res.Known++
				continue
			}
			if err := w.put(&p); err != nil {
				return err
			}
			res.Stored = append(res.Stored, p.item)
		}
		for i := range dropped {
			added, err := w.remember(dropped[i], b.Seen)
			if err != nil {
				return err
			}
			if added {
				res.Remembered++
			}
		}
		return nil
	})
	if err != nil {
		return CommitResult{}, fmt.Errorf("commit: %w", err)
	}
	return res, nil
}

// prepared is an item with what storing it needs computed up front.
type prepared struct {
	item   match.Item
	idents [][]byte
	fp     match.Fingerprint
}

func prepare(it match.Item, kept bool) prepared {
	p := prepared{item: it, idents: identities(&it)}
	if kept {
		if p.item.Origin == "" {
			p.item.Origin = match.DetectOrigin(it.Summary)
		}
		p.fp = match.NewFingerprint(it.Title, it.Summary)
	}
	return p
}

type writer struct {
	tx                 *bolt.Tx
	items, ident, seen *bolt.Bucket
	link               linkConfig
}

func (w *writer) known(idents [][]byte) bool {
	for _, k := range idents {
		if w.ident.Get(k) != nil || w.seen.Get(seenKey(k)) != nil {
			return true
		}
	}
	return false
}

func (w *writer) put(p *prepared) error {
	it := &p.item
	seq, err := w.items.NextSequence()
	if err != nil {
		return err
	}
	key := idKey(seq)
	it.ID = strconv.FormatUint(seq, 10)
	if err := linkFingerprint(w.tx, w.link, it, p.fp); err != nil {
		return fmt.Errorf("link item %s: %w", it.ID, err)
	}
	if err := putItem(w.tx, key, it); err != nil {
		return err
	}
	tk := append(timeKey(it.SortTime()), key...)
	if err := w.tx.Bucket(bucketByTime).Put(tk, nil); err != nil {
		return err
	}
	if err := w.tx.Bucket(bucketByFeed).Put(append(feedPrefix(it.Feed), tk...), nil); err != nil {
		return err
	}
	for _, k := range p.idents {
		if err := w.ident.Put(k, key); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) remember(idents [][]byte, seen time.Time) (bool, error) {
	if w.known(idents) {
		return false, nil
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(max(seen.Unix(), 0)))
	for _, k := range idents {
		if err := w.seen.Put(seenKey(k), ts[:]); err != nil {
			return false, err
		}
	}
	return true, nil
}

func putItem(tx *bolt.Tx, key []byte, it *match.Item) error {
	v, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("encode item %s: %w", it.ID, err)
	}
	return tx.Bucket(bucketItems).Put(key, v)
}

// Item returns one stored item by ID.
func (s *Store) Item(ctx context.Context, id string) (match.Item, error) {
	var it match.Item
	key, err := parseID(id)
	if err != nil {
		return it, err
	}
	if err := ctx.Err(); err != nil {
		return it, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketItems).Get(key)
		if v == nil {
			return fmt.Errorf("item %s: %w", id, ErrNotFound)
		}
		return json.Unmarshal(v, &it) // decoding copies out of the mmap
	})
	return it, err
}
