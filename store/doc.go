// Package store keeps wirewatch's data in one bbolt file. It is the only
// package that imports bbolt; it returns concrete types (match.Item and the
// record types declared here) copied out of their transactions.
//
// # Layout
//
// Every bucket is top-level, created in the single write transaction Open
// runs. Integers are big-endian so that byte order is numeric order; times
// are 8-byte big-endian Unix nanoseconds (UTC), so a cursor walks them in
// time order and a time range is one Seek plus a scan.
//
//	meta     "schema" -> uint32 schema version (see migrate.go)
//	items    id (uint64 sequence) -> JSON match.Item (the public contract)
//	by_time  sorttime | id -> nil            all items, in time order
//	by_feed  feed 0x00 sorttime | id -> nil  one feed's items, in time order
//	ident    feed 0x00 kind identity -> id   what a feed already has
//	seen     feed 0x00 kind hash16 -> unix seconds, items no topic kept
//	outbox   digest id -> JSON Digest (rendered body + delivery state)
//	digest_state  digest name -> JSON {window_end, origin, pending, last_delivered}
//	feeds    feed name -> JSON FeedState          the poller's per-feed state
//	dup_fp      id -> canonical id | story id | match.Fingerprint binary
//	dup_band    band key (8 bytes) | id -> nil  MinHash LSH band index
//	dup_why     id -> JSON DupExplanation (explain --dup)
//	stories     story id -> JSON story record (profile, reports, outlets,
//	            first/last time, earliest-published member, origin)
//	story_items story id | id -> nil           a story's items, copies included
//	story_time  last time | story id -> hashes of the story's 32 strongest
//	            names (4 bytes each), to skip unrelated stories undecoded
//
// An item's ID is its sequence number in items, printed in decimal; IDs are
// never reused or renumbered. Its sort time is the published time, or the
// fetch time when the feed gave none or a date in the future.
//
// Identity (ident and seen) is per feed: kind 'g' is the GUID, 'l' the
// normalised link (NormalizeLink: no utm_* and other tracking parameters,
// no fragment, sorted query), 'c' the first 16 bytes of SHA-256 over the
// folded title and summary. An item matching any identity of its feed is
// "already stored" and is not written again; the same article through
// another feed is a different record. Items that no topic keeps are only
// remembered in seen, with every identity hashed to 16 bytes (about 40 bytes
// per identity), so the next poll neither stores nor re-scores them.
//
// The feeds bucket holds what the poller must remember across restarts:
// the URL polled (moved by permanent redirects), validators, next due time,
// backoff, the last error and counters (see FeedState). The poller saves
// states of many feeds in one Update about once a second.
// # Copies and stories
//
// Commit links every new item inside its write transaction (linkFingerprint in
// dedup.go). Its fingerprint (match.NewFingerprint over title and summary)
// yields 32 band keys; a Seek per key in dup_band finds the stored items
// sharing one (the candidates, at most 256, oldest first), and each is
// verified with the exact shingle similarity (match.DedupConfig.Decide).
// The cost per item follows the number of candidates, not the store size.
// If one is a copy, the item gets duplicate_of = that candidate's canonical
// (the first stored item of the group: ids never move), joins its story,
// and the canonical gains a sources entry (and its origin, if it had
// none). Otherwise the item is compared with the stories whose last report
// lies within the window (story_time, one Seek), skipping those whose
// strongest names it does not share, and joins the most similar above the
// threshold or starts a story whose id is its own. Every item, copies
// included, is indexed in dup_fp and dup_band, so a later copy can match
// any member of a group; the decision is kept in dup_why.
//
// # Transactions
//
// Commit writes one feed document (all its items and identities) in one
// Update: a crash leaves a document fully stored or not at all. Reads are
// short View transactions; values are decoded before the transaction ends.
//
// # Digest outbox (outbox.go)
//
// A digest is written to outbox, and its id to its name's digest_state
// "pending", in one Update before the first delivery attempt. A name has at
// most one pending digest; CreateDigest returns the existing one instead of
// writing a second. RecordAttempt marks a digest delivered and moves the
// name's window_end to the digest's window end in the same Update, so the
// window only advances with a delivery. origin is the first digest's window
// start, where the next window starts while nothing was delivered yet.
//
// # Schema versions and migrations
//
// SchemaVersion is the layout this code writes. Open stamps a new file with
// it. An older file is migrated by Open, inside the same write transaction
// that creates missing buckets: migrations[v-1] moves version v to v+1, so a
// migration commits with its version bump or not at all. A newer file is
// refused with a message to upgrade. A read-only Open never migrates; it
// refuses a file that is not exactly SchemaVersion.
//
// # Locking
//
// bbolt holds an exclusive flock while the file is open read-write, so while
// the daemon runs other processes cannot open the file (a read-only open
// waits up to Options.Timeout and fails with ErrLocked); they talk to the
// daemon's socket instead.
package store
