package digest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// Outbox is the part of the store the processor needs. *store.Store
// implements it; tests wrap it to inject faults.
type Outbox interface {
	DigestWindowStart(ctx context.Context, name string) (time.Time, error)
	PendingDigest(ctx context.Context, name string) (store.Digest, error)
	CreateDigest(ctx context.Context, d store.Digest) (store.Digest, error)
	RecordAttempt(ctx context.Context, id string, a store.Attempt) (store.Digest, error)
}

// StorySource gives the stories whose items were stored in a window, for
// the given topics (empty: all topics). cmd implements it over the store.
type StorySource interface {
	Stories(ctx context.Context, topics []string, w Window) ([]Story, error)
}

// ProcessorOptions configure NewProcessor. Zero values take the defaults.
type ProcessorOptions struct {
	Client      *http.Client        // default: no redirects followed
	Timeout     time.Duration       // per request; default 30s
	Now         func() time.Time    // default time.Now
	Logger      *slog.Logger        // default: discard
	Backoff     Backoff             // default 1m doubling to 1h
	FirstWindow time.Duration       // window of a name's first digest; default 24h
	Rand        func() float64      // jitter in [0,1); default math/rand/v2
	NewID       func(string) string // digest ids; default name-time-random
	// SMTPTLS is the TLS configuration of the smtp format (e.g. RootCAs for
	// a private CA); default: system roots, TLS 1.2 or newer.
	SMTPTLS *tls.Config
	// Observe, when set, is called once per delivery attempt with the
	// digest's name and the attempt's result (metrics). An attempt cut
	// short by a cancelled context is not reported. It must not block.
	Observe func(name string, result AttemptResult)
}

// AttemptResult is the outcome of one delivery attempt, as reported to
// ProcessorOptions.Observe.
type AttemptResult string

// Attempt results.
const (
	// ResultDelivered: the receiver accepted the digest (2xx).
	ResultDelivered AttemptResult = "delivered"
	// ResultRetry: a transient failure (429, 5xx, timeout); retried later.
	ResultRetry AttemptResult = "retry"
	// ResultFailed: a permanent failure, or retries exhausted; not retried.
	ResultFailed AttemptResult = "failed"
)

// Processor builds digests into the outbox and delivers them. It is safe for
// concurrent use; attempts for one digest name are serialised.
type Processor struct {
	outbox Outbox
	source StorySource
	opts   ProcessorOptions
	logger *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// NewProcessor returns a processor over an outbox and a story source.
func NewProcessor(ob Outbox, src StorySource, opts ProcessorOptions) *Processor {
	if opts.Client == nil {
		opts.Client = newClient()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.FirstWindow <= 0 {
		opts.FirstWindow = 24 * time.Hour
	}
	if opts.Rand == nil {
		opts.Rand = mrand.Float64
	}
	p := &Processor{outbox: ob, source: src, opts: opts, locks: map[string]*sync.Mutex{}}
	p.logger = opts.Logger
	if p.opts.NewID == nil {
		p.opts.NewID = func(name string) string { return newID(name, p.opts.Now()) }
	}
	return p
}

// newID is "<name>-<UTC time>-<8 random hex>": readable in `digest list`,
// unique, and at most ~100 bytes (Resend allows 256 in Idempotency-Key).
func newID(name string, now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, truncate(name, 64))
	return safe + "-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func (p *Processor) lock(name string) func() {
	p.mu.Lock()
	l := p.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		p.locks[name] = l
	}
	p.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// window returns the window a new digest of d would cover now.
func (p *Processor) window(ctx context.Context, d *Definition, now time.Time) (Window, error) {
	start, err := p.outbox.DigestWindowStart(ctx, d.Name)
	if err != nil {
		return Window{}, fmt.Errorf("digest %s: window: %w", d.Name, err)
	}
	if start.IsZero() {
		start = now.Add(-p.opts.FirstWindow)
	}
	return Window{Start: start, End: now}, nil
}

// Preview renders what a digest of d would contain for the window from since
// (zero: from the end of the last delivered digest) to now, without writing
// to the outbox or sending.
func (p *Processor) Preview(ctx context.Context, d *Definition, since time.Time) (Message, error) {
	now := p.opts.Now()
	w, err := p.window(ctx, d, now)
	if err != nil {
		return Message{}, err
	}
	if !since.IsZero() {
		w.Start = since
	}
	stories, err := p.source.Stories(ctx, d.Topics, w)
	if err != nil {
		return Message{}, fmt.Errorf("digest %s: stories: %w", d.Name, err)
	}
	return Render(d, "preview", w, stories)
}

// Prepare returns the digest of d to send: the pending one if there is one
// (so a crash never yields two digests for a window), else a new one for the
// window from the last delivered digest's end to now, rendered, encoded and
// written to the outbox before anything is sent. ok is false when the window
// has no stories and d.SendEmpty is off.
func (p *Processor) Prepare(ctx context.Context, d *Definition) (rec store.Digest, ok bool, err error) {
	defer p.lock(d.Name)()
	return p.prepare(ctx, d)
}

func (p *Processor) prepare(ctx context.Context, d *Definition) (store.Digest, bool, error) {
	rec, err := p.outbox.PendingDigest(ctx, d.Name)
	if err == nil {
		return rec, true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.Digest{}, false, fmt.Errorf("digest %s: %w", d.Name, err)
	}
	now := p.opts.Now()
	w, err := p.window(ctx, d, now)
	if err != nil {
		return store.Digest{}, false, err
	}
	stories, err := p.source.Stories(ctx, d.Topics, w)
	if err != nil {
		return store.Digest{}, false, fmt.Errorf("digest %s: stories: %w", d.Name, err)
	}
	if len(stories) == 0 && !d.SendEmpty {
		p.logger.Info("digest window empty, nothing to send", "digest", d, "window_start", w.Start)
		return store.Digest{}, false, nil
	}
	id := p.opts.NewID(d.Name)
	msg, err := Render(d, id, w, stories)
	if err != nil {
		return store.Digest{}, false, fmt.Errorf("digest %s: %w", d.Name, err)
	}
	pl, err := Encode(d, msg)
	if err != nil {
		return store.Digest{}, false, fmt.Errorf("digest %s: %w", d.Name, err)
	}
	rec, err = p.outbox.CreateDigest(ctx, store.Digest{
		ID: id, Name: d.Name, WindowStart: w.Start, WindowEnd: w.End, Created: now,
		Subject: msg.Subject, Stories: len(msg.Stories), Format: d.Format,
		ContentType: pl.ContentType, Body: pl.Body, NextAttempt: now,
	})
	if err != nil {
		return store.Digest{}, false, fmt.Errorf("digest %s: %w", d.Name, err)
	}
	p.logger.Info("digest written to outbox", "digest", d, "id", rec.ID, "stories", rec.Stories,
		"window_start", rec.WindowStart, "window_end", rec.WindowEnd)
	return rec, true, nil
}

// DeliveryError reports a digest that was not delivered by an attempt.
type DeliveryError struct {
	ID        string
	Permanent bool      // failed for good; not retried
	Next      time.Time // next attempt, when not permanent
	Reason    string    // first line of the response or the transport error
}

func (e *DeliveryError) Error() string {
	if e.Permanent {
		return fmt.Sprintf("digest %s failed: %s", e.ID, e.Reason)
	}
	return fmt.Sprintf("digest %s not delivered (%s); retry at %s", e.ID, e.Reason, e.Next.UTC().Format(time.RFC3339))
}

// Attempt makes one delivery attempt of the pending digest rec and records
// its outcome: delivered (the window advances), retry at a backed-off time,
// or failed (a permanent 4xx, or retries exhausted after d.RetryFor). It
// returns the updated record and a *DeliveryError unless delivered.
func (p *Processor) Attempt(ctx context.Context, d *Definition, rec store.Digest) (store.Digest, error) {
	defer p.lock(d.Name)()
	return p.attempt(ctx, d, rec)
}

func (p *Processor) attempt(ctx context.Context, d *Definition, rec store.Digest) (store.Digest, error) {
	if rec.Status != store.DigestPending {
		return rec, fmt.Errorf("digest %s is %s, not pending", rec.ID, rec.Status)
	}
	now := p.opts.Now()
	var res result
	if d.Format == FormatSMTP {
		res = sendSMTP(ctx, p.opts.SMTPTLS, p.opts.Timeout, d, rec)
	} else {
		res = send(ctx, p.opts.Client, p.opts.Timeout, d, rec, now)
	}
	if res.outcome == outcomeAborted {
		return rec, ctx.Err()
	}
	a := store.Attempt{At: now, HTTPStatus: res.status, Error: res.err}
	derr := &DeliveryError{ID: rec.ID, Reason: res.err}
	switch res.outcome {
	case outcomeDelivered:
		a.Status, derr = store.DigestDelivered, nil
	case outcomeFailed:
		a.Status, derr.Permanent = store.DigestFailed, true
	case outcomeRetry:
		delay := max(p.opts.Backoff.delay(rec.Attempts+1, p.opts.Rand()), res.retryAfter)
		a.Status, a.NextAttempt = store.DigestPending, now.Add(delay)
		if deadline := rec.Created.Add(d.retryFor()); a.NextAttempt.After(deadline) {
			a.Status, a.NextAttempt, derr.Permanent = store.DigestFailed, time.Time{}, true
			a.Error = fmt.Sprintf("gave up after %d attempts in %s: %s", rec.Attempts+1, d.retryFor(), res.err)
			derr.Reason = a.Error
		}
		derr.Next = a.NextAttempt
	}
	p.observe(d.Name, a.Status)
	// Record even if ctx ends now: a delivery must not be forgotten.
	upd, err := p.outbox.RecordAttempt(context.WithoutCancel(ctx), rec.ID, a)
	if err != nil {
		return rec, fmt.Errorf("digest %s: record attempt: %w", rec.ID, err)
	}
	p.logAttempt(d, upd, a)
	if derr != nil {
		return upd, derr
	}
	return upd, nil
}

// observe reports an attempt whose outcome is the outbox status st.
func (p *Processor) observe(name, st string) {
	if p.opts.Observe == nil {
		return
	}
	switch st {
	case store.DigestDelivered:
		p.opts.Observe(name, ResultDelivered)
	case store.DigestFailed:
		p.opts.Observe(name, ResultFailed)
	default:
		p.opts.Observe(name, ResultRetry)
	}
}

func (p *Processor) logAttempt(d *Definition, rec store.Digest, a store.Attempt) {
	attrs := []any{"digest", d, "id", rec.ID, "attempts", rec.Attempts, "status", a.HTTPStatus}
	switch a.Status {
	case store.DigestDelivered:
		p.logger.Info("digest delivered", attrs...)
	case store.DigestFailed:
		p.logger.Error("digest failed", append(attrs, "err", a.Error)...)
	default:
		p.logger.Warn("digest delivery will be retried", append(attrs, "err", a.Error, "next_attempt", a.NextAttempt)...)
	}
}

// Send builds d's digest for the window now if none is pending and makes
// one delivery attempt: what `wirewatch digest send` and each scheduled run
// do. ok is false when there was nothing to send.
func (p *Processor) Send(ctx context.Context, d *Definition) (rec store.Digest, ok bool, err error) {
	defer p.lock(d.Name)()
	rec, ok, err = p.prepare(ctx, d)
	if err != nil || !ok {
		return rec, ok, err
	}
	rec, err = p.attempt(ctx, d, rec)
	return rec, true, err
}

// RetryDue attempts every pending digest of defs whose next attempt is due,
// and returns the earliest next attempt still ahead (zero if none).
func (p *Processor) RetryDue(ctx context.Context, defs []*Definition) (time.Time, error) {
	var next time.Time
	var errs []error
	for _, d := range defs {
		n, err := p.retryOne(ctx, d)
		if err != nil {
			errs = append(errs, err)
		}
		if !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
		if ctx.Err() != nil {
			break
		}
	}
	return next, errors.Join(errs...)
}

func (p *Processor) retryOne(ctx context.Context, d *Definition) (time.Time, error) {
	defer p.lock(d.Name)()
	rec, err := p.outbox.PendingDigest(ctx, d.Name)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("digest %s: %w", d.Name, err)
	}
	if rec.NextAttempt.After(p.opts.Now()) {
		return rec.NextAttempt, nil
	}
	rec, err = p.attempt(ctx, d, rec)
	var derr *DeliveryError
	if errors.As(err, &derr) {
		return derr.Next, nil // logged by attempt; not an error of the loop
	}
	return time.Time{}, err
}
