// Package watcher turns feed URLs into stored items: it fetches feeds
// politely (Fetcher), parses them (ParseFeed, the only place gofeed types
// exist), runs their items through the pipeline (Pipeline: identify, score,
// commit) and schedules every feed (Poller).
//
// # Fetching
//
// A Fetcher owns its http.Client and transport: a connect timeout, a total
// per-request timeout under the caller's context, a body cap (default
// 10 MiB; larger bodies fail with "body exceeds 10 MiB" and nothing is
// parsed) applied on the wire and again after gzip decoding, which the
// Fetcher does itself so that a gzip bomb stops at the cap. It sends
// If-None-Match and If-Modified-Since from the feed's stored validators; a
// 304 is a success with nothing to parse. It follows redirects itself:
// when every hop is permanent (301/308) the Response names the feed's new
// address (Moved), which the poller stores and logs once; 302/307 change
// nothing. It returns the body and the Content-Type charset, which
// ParseFeed honours only when the document declares no encoding.
//
// Every failure is an *Error with a Class: transient (timeouts, DNS and
// connection errors, 5xx, 429, 408), permanent (404 and other 4xx, TLS
// certificate errors, HTML instead of a feed, parse errors, oversized
// bodies) or gone (410). A cancelled caller context is returned as the
// context's error, unclassified: it is not the feed's fault.
//
// # Scheduling
//
// Each feed has a due time, kept in the store (store.FeedState) with its
// backoff and hints so that none of them reset on restart. The cadence is the
// default interval ([poll] interval, at least MinInterval), a per-feed
// interval, or a per-feed cron Schedule. After a success the next due time
// is the cadence (plus up to 10% jitter for intervals), raised, never
// lowered, by the feed's hints: RSS <ttl>, Cache-Control max-age or Expires
// (each capped at 24h), and RSS skipHours/skipDays (GMT). After the n-th
// consecutive failure the wait is uniform in [MinInterval, ceiling] (full
// jitter) with ceiling = interval·2^(n-1) capped at MaxBackoff (default
// 6h), and never shorter than the server's Retry-After; a success resets
// it. Only 410 Gone stops polling; the feed shows as gone until the
// configuration changes its URL or a forced poll succeeds.
//
// A feed seen for the first time, or found overdue at start-up, is due at
// a random moment within min(interval, 5m), so a thousand feeds do not
// fire at once.
//
// # Concurrency and ownership
//
// One loop goroutine owns the due heap and the per-host queues. It starts
// polls within a global limit (default 16 in flight) and a per-host limit
// (default 1, with request starts at least 1s apart), so a slow host holds
// only its own slot and a timeout bounds it. Each poll runs in its own
// goroutine and reports back on a channel; feed states are saved in
// batches (one write transaction about every second) by one save goroutine
// at a time. Run returns only after its polls and saves have finished:
// when its context ends it starts nothing new, lets polls in flight finish
// for ShutdownTimeout, cancels the rest (a cancelled poll leaves its feed
// untouched) and saves every feed's state. Round is one pass of the same
// machinery for `wirewatch poll`. SetFeeds (a config reload) is applied by
// the loop between passes. Time comes from a Clock, faked in tests.
package watcher
