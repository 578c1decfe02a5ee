package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wirewatch/wirewatch/store"
)

// ParseSchedule parses a cron/v3 standard spec ("0 7 * * *", "@daily",
// "CRON_TZ=Asia/Karachi 0 7 * * 1-5"). cron can panic on some malformed
// specs; the panic is turned into an error.
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid cron spec %q: %v", spec, r)
		}
	}()
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %w", spec, err)
	}
	return s, nil
}

// maxIdle bounds how long the retry loop sleeps, so a changed clock or a
// digest written by `digest send` is noticed within a minute.
const maxIdle = time.Minute

// Runner is the daemon's digest scheduler: each definition with a schedule
// is built and sent on its cron schedule, and pending digests (including
// ones left by a previous process) are retried when due.
type Runner struct {
	proc   *Processor
	defs   []*Definition
	logger *slog.Logger
	cron   *cron.Cron
	kick   chan struct{}

	mu         sync.Mutex
	cancel     context.CancelFunc
	done       chan struct{}
	ctxForJobs context.Context
	closed     bool           // guarded by mu: Send refuses new work
	sends      sync.WaitGroup // Sends in flight; Close waits for them
}

// ErrClosed is returned by Send after Close began (a reload or shutdown).
var ErrClosed = errors.New("digest runner is closed")

// ErrUnknownDigest is returned by Send for a name the runner has no
// definition of.
var ErrUnknownDigest = errors.New("unknown digest")

// NewRunner validates the schedules of defs and returns a runner that is not
// started yet. Definitions must have been validated.
func NewRunner(p *Processor, defs []*Definition, logger *slog.Logger) (*Runner, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "digest")
	cl := cronLogger{logger}
	r := &Runner{
		proc: p, defs: defs, logger: logger, kick: make(chan struct{}, 1),
		cron: cron.New(cron.WithLogger(cl), cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl))),
	}
	var errs []error
	for _, d := range defs {
		if d.Schedule == "" {
			continue
		}
		s, err := ParseSchedule(d.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest %s: schedule: %w", d.Name, err))
			continue
		}
		r.cron.Schedule(s, cron.FuncJob(func() { r.run(d) }))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Start starts the schedule and the retry loop. Pending digests are retried
// at once when due. Close stops both.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	r.ctxForJobs = ctx
	go r.retryLoop(ctx)
	r.cron.Start()
}

// Close stops the schedule, cancels any delivery in flight, and waits for
// the runner's goroutines to return.
// Sends in flight are not cancelled: Close waits for their attempt.
func (r *Runner) Close() error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.closed = true
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-r.cron.Stop().Done()
		<-done
	}
	r.sends.Wait()
	return nil
}

// Send is `wirewatch digest send` inside the daemon: it builds the named
// digest for the window now unless one is pending and makes one delivery
// attempt (Processor.Send), serialised with the schedule's runs and the
// retries of the same name by the processor's per-name lock. ok is false
// when there was nothing to send. It returns an error wrapping
// ErrUnknownDigest for a name not in the runner's definitions, and
// ErrClosed once Close began.
func (r *Runner) Send(ctx context.Context, name string) (rec store.Digest, ok bool, err error) {
	var d *Definition
	for _, def := range r.defs {
		if def.Name == name {
			d = def
		}
	}
	if d == nil {
		return store.Digest{}, false, fmt.Errorf("digest %q: %w", name, ErrUnknownDigest)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return store.Digest{}, false, ErrClosed
	}
	r.sends.Add(1)
	r.mu.Unlock()
	defer r.sends.Done()
	rec, ok, err = r.proc.Send(ctx, d)
	select { // the retry loop recomputes its wait (a new pending digest)
	case r.kick <- struct{}{}:
	default:
	}
	return rec, ok, err
}

// Next returns when each scheduled digest runs next, by name.
func (r *Runner) Next() map[string]time.Time {
	out := map[string]time.Time{}
	for _, d := range r.defs {
		if s, err := ParseSchedule(d.Schedule); err == nil && d.Schedule != "" {
			out[d.Name] = s.Next(r.proc.opts.Now())
		}
	}
	return out
}

// run is one scheduled run of d: build the digest (or reuse the pending one)
// and make one attempt; failures are retried by the loop.
func (r *Runner) run(d *Definition) {
	ctx := r.jobContext()
	if ctx.Err() != nil {
		return
	}
	_, _, err := r.proc.Send(ctx, d)
	var derr *DeliveryError
	if err != nil && !errors.As(err, &derr) && ctx.Err() == nil {
		r.logger.Error("digest run failed", "digest", d, "err", err)
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *Runner) jobContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctxForJobs == nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	return r.ctxForJobs
}

func (r *Runner) retryLoop(ctx context.Context) {
	defer close(r.done)
	for {
		next, err := r.proc.RetryDue(ctx, r.defs)
		if err != nil && ctx.Err() == nil {
			r.logger.Error("digest retry failed", "err", err)
		}
		wait := maxIdle
		if !next.IsZero() {
			wait = min(wait, max(0, next.Sub(r.proc.opts.Now())))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// cronLogger sends cron's own logs (panics recovered, runs skipped) to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
