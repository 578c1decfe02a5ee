package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wirewatch/wirewatch/watcher"
)

// PollConfig is the [poll] table.
type PollConfig struct {
	Interval        Duration `toml:"interval"`
	MaxBackoff      Duration `toml:"max_backoff"`
	Timeout         Duration `toml:"timeout"`
	MaxBody         Size     `toml:"max_body"`
	Concurrency     int      `toml:"concurrency"`
	PerHost         int      `toml:"per_host"`
	HostSpacing     Duration `toml:"host_spacing"`
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
}

func defaultPollConfig() PollConfig {
	return PollConfig{
		Interval:        Duration{watcher.DefaultInterval},
		MaxBackoff:      Duration{watcher.DefaultMaxBackoff},
		Timeout:         Duration{watcher.DefaultTimeout},
		MaxBody:         Size(watcher.DefaultMaxBody),
		Concurrency:     watcher.DefaultConcurrency,
		PerHost:         watcher.DefaultPerHost,
		HostSpacing:     Duration{watcher.DefaultHostSpacing},
		ShutdownTimeout: Duration{watcher.DefaultShutdownTimeout},
	}
}

// Size is a byte count written as a TOML string: "10MiB", "512KiB", "2MB"
// or a plain number of bytes.
type Size int64

// UnmarshalText parses a size.
func (s *Size) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	num := strings.TrimRightFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(v[len(num):]))
	mult := map[string]int64{"": 1, "b": 1, "kib": 1 << 10, "kb": 1000, "mib": 1 << 20, "mb": 1000 * 1000, "gib": 1 << 30, "gb": 1000 * 1000 * 1000}[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || mult == 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size (use e.g. \"10MiB\", \"512KiB\")", b)
	}
	*s = Size(n * mult)
	return nil
}

// MarshalText prints the size in bytes.
func (s Size) MarshalText() ([]byte, error) { return []byte(strconv.FormatInt(int64(s), 10)), nil }

// validatePoll checks [poll] and the per-feed polling keys.
func (c *Config) validatePoll(src []byte) []string {
	var ps []string
	at := func(table string, i int, key string) string {
		if line := keyLine(src, table, i, key); line > 0 {
			return fmt.Sprintf("%s:%d: ", c.file, line)
		}
		return c.file + ": "
	}
	p := c.Poll
	durs := []struct {
		key      string
		d        time.Duration
		min, max time.Duration
	}{
		{"interval", p.Interval.Duration, watcher.MinInterval, 7 * 24 * time.Hour},
		{"max_backoff", p.MaxBackoff.Duration, watcher.MinInterval, 7 * 24 * time.Hour},
		{"timeout", p.Timeout.Duration, time.Second, 10 * time.Minute},
		{"host_spacing", p.HostSpacing.Duration, 0, 10 * time.Minute},
		{"shutdown_timeout", p.ShutdownTimeout.Duration, time.Second, 10 * time.Minute},
	}
	for _, d := range durs {
		if d.d < d.min || d.d > d.max {
			ps = append(ps, at("poll", -1, d.key)+fmt.Sprintf("poll.%s: %s is outside %s to %s", d.key, d.d, fmtDur(d.min), fmtDur(d.max)))
		}
	}
	ints := []struct {
		key      string
		v        int64
		min, max int64
	}{
		{"max_body", int64(p.MaxBody), 1 << 10, 1 << 30},
		{"concurrency", int64(p.Concurrency), 1, 1024},
		{"per_host", int64(p.PerHost), 1, 64},
	}
	for _, n := range ints {
		if n.v < n.min || n.v > n.max {
			ps = append(ps, at("poll", -1, n.key)+fmt.Sprintf("poll.%s: %d is outside %d to %d", n.key, n.v, n.min, n.max))
		}
	}
	for i, f := range c.Feeds {
		where := fmt.Sprintf("feed[%d]", i)
		if f.Interval.Duration != 0 && f.Interval.Duration < watcher.MinInterval {
			ps = append(ps, at("feed", i, "interval")+fmt.Sprintf("%s.interval: %s is below the minimum %s", where, f.Interval.Duration, fmtDur(watcher.MinInterval)))
		}
		if f.Schedule == "" {
			continue
		}
		if f.Interval.Duration != 0 {
			ps = append(ps, at("feed", i, "schedule")+where+": set interval or schedule, not both")
		}
		if _, err := watcher.ParseSchedule(f.Schedule); err != nil {
			ps = append(ps, at("feed", i, "schedule")+fmt.Sprintf("%s.schedule: %v", where, err))
		}
	}
	return ps
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String() // "1m0s" -> "1m", "168h0m0s" -> "168h"
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// loadOPML appends the feeds of the [opml] file. A feed whose URL is
// already configured is skipped; a name already taken is a problem.
func (c *Config) loadOPML() []string {
	if c.OPML == "" {
		return nil
	}
	path := c.resolve(c.OPML)
	src, err := os.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("%s: opml: %v", c.file, err)}
	}
	feeds, err := parseOPML(src)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	names, urls := map[string]bool{}, map[string]bool{}
	for _, f := range c.Feeds {
		names[f.Name], urls[f.URL] = true, true
	}
	var ps []string
	for _, f := range feeds {
		switch {
		case urls[f.URL]:
			continue
		case names[f.Name]:
			ps = append(ps, fmt.Sprintf("%s: outline %q: a feed with this name is already configured", path, f.Name))
			continue
		}
		names[f.Name], urls[f.URL] = true, true
		c.Feeds = append(c.Feeds, f)
	}
	return ps
}

// PollFeeds converts the configured feeds for the poller (validate has
// checked every schedule).
func (c *Config) PollFeeds() ([]watcher.Feed, error) {
	out := make([]watcher.Feed, 0, len(c.Feeds))
	for _, f := range c.Feeds {
		wf := watcher.Feed{Name: f.Name, URL: f.URL, Interval: f.Interval.Duration}
		if f.Schedule != "" {
			s, err := watcher.ParseSchedule(f.Schedule)
			if err != nil {
				return nil, fmt.Errorf("feed %q: %w", f.Name, err)
			}
			wf.Schedule = s
		}
		out = append(out, wf)
	}
	return out, nil
}

// fetchOptions and pollerOptions hand [poll] to the watcher.
func (p PollConfig) fetchOptions() watcher.FetchOptions {
	return watcher.FetchOptions{
		Timeout:   p.Timeout.Duration,
		MaxBody:   int64(p.MaxBody),
		UserAgent: "wirewatch/" + Version() + " (+" + watcher.ProjectURL + ")",
	}
}

func (p PollConfig) pollerOptions() watcher.PollerOptions {
	spacing := p.HostSpacing.Duration
	if spacing == 0 {
		spacing = -1 // configured "0s": no spacing (the watcher's zero means default)
	}
	return watcher.PollerOptions{
		Interval:        p.Interval.Duration,
		MaxBackoff:      p.MaxBackoff.Duration,
		Concurrency:     p.Concurrency,
		PerHost:         p.PerHost,
		HostSpacing:     spacing,
		ShutdownTimeout: p.ShutdownTimeout.Duration,
	}
}
