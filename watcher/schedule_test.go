package watcher

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		spec, err string
	}{
		{"*/20 * * * *", ""},
		{"@hourly", ""},
		{"@every 30m", ""},
		{"CRON_TZ=Asia/Karachi 0 6,18 * * *", ""},
		{"TZ=Europe/Istanbul 30 7 * * 1-5", ""},
		{"@every 30s", `invalid schedule "@every 30s": fires more often than every 1m0s`},
		{"0 0 30 2 *", `invalid schedule "0 0 30 2 *": never fires`},
		{"CRON_TZ=UTC", `invalid schedule "CRON_TZ=UTC": `}, // panics inside robfig/cron
		{"CRON_TZ=Mars/Base 0 * * * *", `invalid schedule "CRON_TZ=Mars/Base 0 * * * *": `},
		{"61 * * * *", `invalid schedule "61 * * * *": `},
		{"* * *", `invalid schedule "* * *": `},
		{"", `invalid schedule "": `},
	} {
		s, err := ParseSchedule(tc.spec)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseSchedule(%q): %v", tc.spec, err)
		case tc.err == "" && s.String() != tc.spec:
			t.Errorf("ParseSchedule(%q).String() = %q", tc.spec, s)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("ParseSchedule(%q) error = %v, want prefix %q", tc.spec, err, tc.err)
		}
	}
}

func TestScheduleTimeZone(t *testing.T) {
	s, err := ParseSchedule("CRON_TZ=Asia/Karachi 0 6 * * *")
	if err != nil {
		t.Fatal(err)
	}
	next := s.Next(time.Date(2025, 10, 25, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2025, 10, 25, 1, 0, 0, 0, time.UTC); !next.Equal(want) { // 06:00 PKT = 01:00 UTC
		t.Errorf("next = %v, want %v", next.UTC(), want)
	}
}

func TestBackoffCeiling(t *testing.T) {
	base, limit := 15*time.Minute, 6*time.Hour
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 6 * time.Hour, 6 * time.Hour}
	for i, w := range want {
		if got := backoffCeiling(base, limit, i+1); got != w {
			t.Errorf("failure %d: ceiling %s, want %s", i+1, got, w)
		}
	}
	if got := backoffCeiling(base, limit, 1000); got != limit {
		t.Errorf("failure 1000: %s", got)
	}
}

func testPolicy(seed uint64) policy {
	r := rand.New(rand.NewPCG(seed, 1))
	return policy{interval: 15 * time.Minute, maxBackoff: 6 * time.Hour, spread: 5 * time.Minute, rand: r.Int64N}
}

func TestAfterFailureFullJitter(t *testing.T) {
	p := testPolicy(1)
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	e := &feedEntry{}
	for n := 1; n <= 8; n++ {
		ceiling := backoffCeiling(15*time.Minute, 6*time.Hour, n)
		lo, hi := ceiling, time.Duration(0)
		for range 200 {
			next, c := p.afterFailure(e, now, n, time.Time{})
			d := next.Sub(now)
			if c != ceiling || d < MinInterval || d > ceiling {
				t.Fatalf("failure %d: wait %s ceiling %s, want within [1m, %s]", n, d, c, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if hi-lo < ceiling/2 {
			t.Errorf("failure %d: waits spread only over [%s, %s]: not full jitter", n, lo, hi)
		}
	}
	ra := now.Add(3 * time.Hour)
	if next, _ := p.afterFailure(e, now, 1, ra); !next.Equal(ra) {
		t.Errorf("Retry-After ignored: next %v, want %v", next, ra)
	}
}

func TestAfterSuccessHintsOnlyRaise(t *testing.T) {
	p := testPolicy(2)
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC) // a Saturday
	e := &feedEntry{}
	for _, tc := range []struct {
		name   string
		h      hints
		lo, hi time.Duration
	}{
		{"interval", hints{}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
		{"short ttl", hints{ttl: time.Minute}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
		{"ttl", hints{ttl: time.Hour}, time.Hour, time.Hour},
		{"huge ttl capped", hints{ttl: 30 * 24 * time.Hour}, 24 * time.Hour, 24 * time.Hour},
		{"fresh earlier", hints{freshUntil: now.Add(time.Minute)}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
		{"fresh later", hints{freshUntil: now.Add(2 * time.Hour)}, 2 * time.Hour, 2 * time.Hour},
		{"skip hours", hints{skipHours: []int{9, 10, 11}}, 3 * time.Hour, 3 * time.Hour},
		{"skip days", hints{skipDays: []time.Weekday{time.Saturday, time.Sunday}}, 39 * time.Hour, 39 * time.Hour},
		{"skip everything ignored", hints{skipHours: allHours()}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
	} {
		next := p.afterSuccess(e, now, tc.h)
		if d := next.Sub(now); d < tc.lo || d > tc.hi {
			t.Errorf("%s: next in %s, want within [%s, %s]", tc.name, d, tc.lo, tc.hi)
		}
	}
}

func allHours() []int {
	h := make([]int, 24)
	for i := range h {
		h[i] = i
	}
	return h
}

func TestAfterSuccessCron(t *testing.T) {
	s, err := ParseSchedule("0 */6 * * *")
	if err != nil {
		t.Fatal(err)
	}
	e := &feedEntry{Feed: Feed{Schedule: s}}
	now := time.Date(2025, 10, 25, 9, 10, 0, 0, time.UTC)
	if next := testPolicy(3).afterSuccess(e, now, hints{}); !next.Equal(time.Date(2025, 10, 25, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("cron next = %v", next)
	}
}

func TestInitialSpread(t *testing.T) {
	p := testPolicy(4)
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	fast := &feedEntry{Feed: Feed{Interval: 2 * time.Minute}}
	slow := &feedEntry{}
	seen := map[time.Time]bool{}
	for range 100 {
		d := p.initial(slow, store.FeedState{}, now)
		if d.Before(now) || !d.Before(now.Add(5*time.Minute)) {
			t.Fatalf("first poll at %v, want within 5m", d)
		}
		seen[d] = true
		if d := p.initial(fast, store.FeedState{NextDue: now.Add(-time.Hour)}, now); !d.Before(now.Add(2 * time.Minute)) {
			t.Fatalf("overdue 2m feed at %v, want within its interval", d)
		}
	}
	if len(seen) < 90 {
		t.Errorf("only %d distinct first-poll times out of 100", len(seen))
	}
	stored := now.Add(10 * time.Minute)
	if d := p.initial(slow, store.FeedState{NextDue: stored}, now); !d.Equal(stored) {
		t.Errorf("stored due time %v not kept: %v", stored, d)
	}
}

// TestInitialClampsStoredDueTime: a stored due time later than the feed's
// current cadence allows is brought forward, unless backoff, Retry-After,
// the feed's own hints or the stored freshness of its last response hold
// it there.
func TestInitialClampsStoredDueTime(t *testing.T) {
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC) // a Saturday
	hourly, err := ParseSchedule("@hourly")
	if err != nil {
		t.Fatal(err)
	}
	interval := &feedEntry{}                                   // the default 15m
	short := &feedEntry{Feed: Feed{Interval: 2 * time.Minute}} // was 6h
	cron := &feedEntry{Feed: Feed{Schedule: hourly}}           // was daily
	far := now.Add(5 * time.Hour)
	cases := []struct {
		name     string
		f        *feedEntry
		st       store.FeedState
		min, max time.Time // the due time is in [min, max]
	}{
		{"within the interval: kept", interval, store.FeedState{NextDue: now.Add(16 * time.Minute)}, now.Add(16 * time.Minute), now.Add(16 * time.Minute)},
		{"interval shortened", interval, store.FeedState{NextDue: far}, now, now.Add(15 * time.Minute)},
		{"2m interval after 6h", short, store.FeedState{NextDue: far}, now, now.Add(2 * time.Minute)},
		{"cron schedule changed", cron, store.FeedState{NextDue: far}, now.Add(time.Hour), now.Add(time.Hour)},
		{"clock jumped back a day", interval, store.FeedState{NextDue: now.Add(24 * time.Hour)}, now, now.Add(15 * time.Minute)},
		{"backoff holds", interval, store.FeedState{NextDue: far, NotBefore: far, ConsecutiveFailures: 6}, far, far},
		{"retry-after beyond a shorter due", interval, store.FeedState{NextDue: now.Add(30 * time.Hour), NotBefore: far}, far, far},
		{"overdue but backing off", interval, store.FeedState{NextDue: now.Add(-time.Minute), NotBefore: now.Add(time.Hour)}, now.Add(time.Hour), now.Add(time.Hour)},
		{"rss ttl holds", interval, store.FeedState{NextDue: now.Add(2 * time.Hour), TTL: 2 * time.Hour}, now.Add(2 * time.Hour), now.Add(2 * time.Hour)},
		{"ttl shorter than the stored wait", interval, store.FeedState{NextDue: far, TTL: time.Hour}, now.Add(time.Hour), now.Add(time.Hour)},
		{"fresh until holds", interval, store.FeedState{NextDue: now.Add(2 * time.Hour), FreshUntil: now.Add(2 * time.Hour)}, now.Add(2 * time.Hour), now.Add(2 * time.Hour)},
		{"fresh until shorter than the stored wait", interval, store.FeedState{NextDue: far, FreshUntil: now.Add(time.Hour)}, now.Add(time.Hour), now.Add(time.Hour)},
		{"fresh until expired", interval, store.FeedState{NextDue: far, FreshUntil: now.Add(-time.Minute)}, now, now.Add(15 * time.Minute)},
		{"fresh until capped after the clock jumped back", interval, store.FeedState{NextDue: now.Add(30 * time.Hour), FreshUntil: now.Add(30 * time.Hour)},
			now.Add(24 * time.Hour), now.Add(24 * time.Hour)},
		{"skipDays holds", interval, store.FeedState{NextDue: now.Add(40 * time.Hour), SkipDays: []time.Weekday{time.Saturday, time.Sunday}},
			time.Date(2025, 10, 27, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 27, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy(7)
			for range 50 {
				d := p.initial(tc.f, tc.st, now)
				if d.Before(tc.min) || d.After(tc.max) {
					t.Fatalf("due %v, want in [%v, %v]", d, tc.min, tc.max)
				}
			}
		})
	}
}
