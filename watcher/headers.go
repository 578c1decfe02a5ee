package watcher

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxHeaderWait bounds what a single header (Retry-After, max-age, Expires)
// may ask for: servers that answer "come back in ten years" are still polled
// daily.
const maxHeaderWait = 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). It returns the earliest time of the next request, or
// false when the value is missing or invalid. Dates in the past and zero
// delays mean "now" and are reported as false: they ask for no extra wait.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if isDigits(v) {
		const capSecs = int64(maxHeaderWait / time.Second)
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > capSecs { // all digits: err is an overflow
			secs = capSecs
		}
		if secs == 0 {
			return time.Time{}, false
		}
		return now.Add(time.Duration(secs) * time.Second), true
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return time.Time{}, false
	}
	if t.Sub(now) > maxHeaderWait {
		t = now.Add(maxHeaderWait)
	}
	return t, true
}

// parseMaxAge returns the max-age directive of a Cache-Control value
// (RFC 9111 §5.2.2.1). no-store and no-cache say nothing about how often to
// poll, so they are ignored; an invalid or missing max-age reports false.
func parseMaxAge(v string) (time.Duration, bool) {
	for part := range strings.SplitSeq(v, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "max-age") {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if !isDigits(val) {
			return 0, false
		}
		secs, err := strconv.ParseInt(val, 10, 64)
		if err != nil || secs > int64(maxHeaderWait/time.Second) {
			return maxHeaderWait, true // overflow or huge: the cap
		}
		return time.Duration(secs) * time.Second, true
	}
	return 0, false
}

// freshUntil is the time a response stays fresh by its own headers:
// Cache-Control max-age wins over Expires (RFC 9111 §4.2.1); Expires is
// measured against the server's Date header when there is one, so a server
// with a wrong clock still gets the lifetime it meant. Zero means no hint.
func freshUntil(h http.Header, now time.Time) time.Time {
	if d, ok := parseMaxAge(h.Get("Cache-Control")); ok {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(d)
	}
	v := h.Get("Expires")
	if v == "" {
		return time.Time{}
	}
	exp, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}
	}
	life := exp.Sub(now)
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		life = exp.Sub(date)
	}
	if life <= 0 {
		return time.Time{}
	}
	return now.Add(min(life, maxHeaderWait))
}

func isDigits(s string) bool { return s != "" && strings.TrimLeft(s, "0123456789") == "" }
