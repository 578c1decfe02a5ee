// Package digest renders digests of stories (HTML and plain text) and
// delivers them through a webhook: an email API (Postmark, SendGrid,
// Mailgun, Resend), a Slack incoming webhook, or the user's own relay (the
// generic json format).
//
// # Model
//
// A Definition is one configured digest. Each run covers a Window: from where
// the last delivered digest of that name ended (the outbox's
// DigestWindowStart) to now. cmd supplies the window's stories through a
// StorySource; Render sanitises and orders them (most reports first), cuts
// them to MaxStories and renders subject, HTML and text; Encode turns the
// Message into the request body of the definition's format.
//
// # Outbox and guarantees
//
// Processor.Prepare writes the encoded body to the outbox (store.Digest) in
// one transaction before the first attempt. Every attempt sends those bytes
// unchanged, with Idempotency-Key set to the digest id, and, when a signing
// secret is set, an X-Wirewatch-Signature header computed at send time (see
// Sign and VerifySignature). Invariants:
//
//   - A name has at most one pending digest. Prepare reuses it, so a crash or
//     kill -9 at any point yields a resend with the same key and body, never a
//     second digest for the same window.
//   - The window advances only in the transaction that marks a digest
//     delivered (store.RecordAttempt). A failed digest leaves it where it
//     was; the next digest covers its stories again. No story is lost.
//   - 2xx is delivered. 408, 429, 5xx, transport errors and timeouts are
//     retried with capped exponential backoff and jitter (a Retry-After
//     longer than the backoff is honoured) until RetryFor after the digest
//     was written; then it fails. Any other status fails at once, with the
//     response body's first line recorded for `wirewatch digest list`.
//   - An attempt cut short by our own shutdown is not counted; the digest
//     stays pending and is resent on the next start.
//
// # Running
//
// Runner is the daemon side: a robfig/cron/v3 schedule per definition (specs
// parsed under recover; the chain is SkipIfStillRunning then Recover) plus a
// retry loop that delivers pending digests when due, including those left by
// a previous process. Close cancels in-flight deliveries and waits.
//
// # Secrets
//
// Tokens and signing secrets are Secret values: they print and log as
// "[redacted]". Definition logs only its name, format and endpoint host, and
// transport errors have the endpoint URL removed (a Slack webhook URL is a
// secret).
package digest
