package watcher

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration // from now; -1 means not ok
	}{
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", -1},
		{"-5", -1},
		{"1.5", -1},
		{"", -1},
		{"soon", -1},
		{"999999999999999999999999", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{now.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{now.Add(90 * time.Minute).Format(time.RFC850), 90 * time.Minute},
		{now.Add(-time.Minute).Format(http.TimeFormat), -1},
		{now.Add(72 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		switch {
		case tc.want < 0 && ok:
			t.Errorf("parseRetryAfter(%q) = %v, want not ok", tc.in, got)
		case tc.want >= 0 && (!ok || !got.Equal(now.Add(tc.want))):
			t.Errorf("parseRetryAfter(%q) = %v %v, want now+%s", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"max-age=600", 10 * time.Minute, true},
		{"public, MAX-AGE = 60 , must-revalidate", time.Minute, true},
		{`max-age="30"`, 30 * time.Second, true},
		{"s-maxage=600", 0, false},
		{"no-cache", 0, false},
		{"max-age=", 0, false},
		{"max-age=-1", 0, false},
		{"max-age=1e3", 0, false},
		{"max-age=99999999999999999999", 24 * time.Hour, true},
		{"max-age=0", 0, true},
	} {
		got, ok := parseMaxAge(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMaxAge(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The header parsers read what any server sends: they must never panic and
// never ask for a wait in the past or beyond the 24h cap.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "Sat, 25 Oct 2025 10:00:00 GMT", "Saturday, 25-Oct-25 10:00:00 GMT", "Sat Oct 25 10:00:00 2025", "99999999999999999999", " 7 ", "\x00"} {
		f.Add(s)
	}
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseRetryAfter(s, now)
		if ok && (!got.After(now) || got.After(now.Add(maxHeaderWait))) {
			t.Fatalf("parseRetryAfter(%q) = %v, outside (now, now+24h]", s, got)
		}
		if !ok && !got.IsZero() {
			t.Fatalf("parseRetryAfter(%q) not ok but returned %v", s, got)
		}
	})
}

func FuzzCacheHeaders(f *testing.F) {
	f.Add("max-age=600", "Sat, 25 Oct 2025 10:00:00 GMT", "Sat, 25 Oct 2025 09:00:00 GMT")
	f.Add("no-store, max-age=\"5\"", "0", "")
	f.Add("", "Sat, 25 Oct 2025 10:00:00 GMT", "garbage")
	f.Add("max-age=99999999999999999999999", "", "")
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, cc, expires, date string) {
		if d, ok := parseMaxAge(cc); ok && (d < 0 || d > maxHeaderWait) {
			t.Fatalf("parseMaxAge(%q) = %v", cc, d)
		}
		h := http.Header{}
		h.Set("Cache-Control", cc)
		h.Set("Expires", expires)
		h.Set("Date", date)
		got := freshUntil(h, now)
		if !got.IsZero() && (!got.After(now) || got.After(now.Add(maxHeaderWait))) {
			t.Fatalf("freshUntil(%q, %q, %q) = %v, outside (now, now+24h]", cc, expires, date, got)
		}
	})
}
