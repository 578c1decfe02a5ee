package watcher

import (
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wirewatch/wirewatch/store"
)

// Scheduling defaults and limits.
const (
	DefaultInterval   = 15 * time.Minute
	MinInterval       = time.Minute
	DefaultMaxBackoff = 6 * time.Hour
	// DefaultSpread is the longest a feed's first poll (or its first after
	// a restart that found it overdue) is delayed, at random, so a thousand
	// feeds do not fire at once.
	DefaultSpread = 5 * time.Minute
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is a parsed cron schedule (robfig/cron standard syntax: five
// fields or a descriptor such as @hourly or "@every 30m", with an optional
// CRON_TZ= or TZ= prefix).
type Schedule struct {
	spec  string
	sched cron.Schedule
}

// ParseSchedule parses a cron spec. It never panics (the cron parser can on
// odd input) and rejects specs that fire more often than MinInterval or
// never fire at all.
func ParseSchedule(spec string) (s Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid schedule %q: not a cron spec (five fields or a descriptor such as @hourly, optionally after CRON_TZ=Zone and a space)", spec)
		}
	}()
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < MinInterval {
		return Schedule{}, fmt.Errorf("invalid schedule %q: fires more often than every %s", spec, MinInterval)
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, fmt.Errorf("invalid schedule %q: never fires", spec)
	}
	return Schedule{spec: spec, sched: sched}, nil
}

// String returns the spec as written.
func (s Schedule) String() string { return s.spec }

// IsZero reports whether s is the zero Schedule (no cron schedule).
func (s Schedule) IsZero() bool { return s.sched == nil }

// Next returns the first firing time after t.
func (s Schedule) Next(t time.Time) time.Time { return s.sched.Next(t) }

// policy computes due times. It is pure apart from its random source.
type policy struct {
	interval   time.Duration // default interval, also the backoff base of cron feeds
	maxBackoff time.Duration
	spread     time.Duration
	rand       func(n int64) int64 // uniform in [0, n), n > 0
}

// jitter returns a uniform duration in [0, d).
func (p policy) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(p.rand(int64(d)))
}

func (p policy) intervalOf(f *feedEntry) time.Duration {
	if f.Interval > 0 {
		return f.Interval
	}
	return p.interval
}

// initial is the due time of a feed the poller picks up, at start or when
// a reload adds or changes it, from its stored state:
//
//   - no stored due time, or one already past: a random moment within the
//     spread (at most the feed's interval), so a restart or a thousand new
//     feeds do not fire at once;
//   - a stored due time ahead is kept (a restart keeps the schedule), but
//     never later than the feed's current cadence allows (latest): a due
//     time left by a longer interval or another cron schedule, or by a clock
//     that jumped back, is clamped (see clamp).
//
// Backoff and Retry-After (NotBefore) still hold a feed later in every
// case. Gone feeds are not scheduled; callers skip them.
func (p policy) initial(f *feedEntry, st store.FeedState, now time.Time) time.Time {
	stored := st.NextDue
	switch {
	case !stored.After(now):
		return later(now.Add(p.jitter(min(p.spread, p.intervalOf(f)))), st.NotBefore)
	case stored.After(p.latest(f, st, now)):
		return p.clamp(f, st, now)
	}
	return stored
}

// latest is the latest due time a feed's state and current cadence justify
// now: the next cron firing, or the interval plus its full jitter; pushed
// later by the feed's stored hints (RSS ttl, the freshness of the last
// response by Cache-Control max-age or Expires, skipHours, skipDays) and
// by its backoff or Retry-After.
func (p policy) latest(f *feedEntry, st store.FeedState, now time.Time) time.Time {
	var t time.Time
	if !f.Schedule.IsZero() {
		t = f.Schedule.Next(now)
	} else {
		iv := p.intervalOf(f)
		t = now.Add(iv + iv/10)
	}
	return p.hold(t, st, now)
}

// clamp is the due time of a feed whose stored one is later than latest:
// the next cron firing, or a random moment within one interval (so feeds
// clamped together do not fire together); then the same hints and holds.
func (p policy) clamp(f *feedEntry, st store.FeedState, now time.Time) time.Time {
	var t time.Time
	if !f.Schedule.IsZero() {
		t = f.Schedule.Next(now)
	} else {
		t = now.Add(p.jitter(p.intervalOf(f)))
	}
	return p.hold(t, st, now)
}

// hold pushes t later by a feed's stored hints and its NotBefore. A stored
// FreshUntil counts at most maxHeaderWait from now, so a clock that jumped
// back cannot hold a feed longer than the header could ask for.
func (p policy) hold(t time.Time, st store.FeedState, now time.Time) time.Time {
	if st.TTL > 0 {
		t = later(t, now.Add(min(st.TTL, maxHeaderWait)))
	}
	fresh := st.FreshUntil
	if limit := now.Add(maxHeaderWait); fresh.After(limit) {
		fresh = limit
	}
	t = later(t, fresh)
	t = applySkips(t, st.SkipHours, st.SkipDays)
	return later(t, st.NotBefore)
}

// hints are what a feed and its server said about the next poll.
type hints struct {
	ttl        time.Duration  // RSS <ttl>
	freshUntil time.Time      // Cache-Control max-age or Expires
	skipHours  []int          // RSS <skipHours>, GMT
	skipDays   []time.Weekday // RSS <skipDays>
}

// afterSuccess is the next due time after a successful poll (a document or
// a 304): the cadence, pushed later (never earlier) by the feed's hints.
func (p policy) afterSuccess(f *feedEntry, now time.Time, h hints) time.Time {
	var next time.Time
	if !f.Schedule.IsZero() {
		next = f.Schedule.Next(now)
	} else {
		iv := p.intervalOf(f)
		next = now.Add(iv + p.jitter(iv/10))
	}
	if h.ttl > 0 {
		next = later(next, now.Add(min(h.ttl, maxHeaderWait)))
	}
	next = later(next, h.freshUntil)
	return applySkips(next, h.skipHours, h.skipDays)
}

// afterFailure is the next due time after the n-th consecutive failure:
// exponential backoff from the feed's interval, capped, with full jitter
// (a uniform wait up to the ceiling, at least MinInterval), and never
// before the server's Retry-After. It returns the ceiling too.
func (p policy) afterFailure(f *feedEntry, now time.Time, n int, retryAfter time.Time) (time.Time, time.Duration) {
	ceiling := backoffCeiling(p.intervalOf(f), p.maxBackoff, n)
	wait := max(p.jitter(ceiling+1), MinInterval)
	return later(now.Add(wait), retryAfter), ceiling
}

// backoffCeiling is base·2^(n-1), capped at limit.
func backoffCeiling(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// applySkips moves t forward, an hour at a time, out of the GMT hours and
// days the feed asked not to be polled in. A feed that skips every hour is
// ignored rather than never polled.
func applySkips(t time.Time, hours []int, days []time.Weekday) time.Time {
	if len(hours) == 0 && len(days) == 0 {
		return t
	}
	c := t
	for range 8 * 24 {
		u := c.UTC()
		if !slices.Contains(hours, u.Hour()) && !slices.Contains(days, u.Weekday()) {
			return c
		}
		c = u.Truncate(time.Hour).Add(time.Hour)
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
