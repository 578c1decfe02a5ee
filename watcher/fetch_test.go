package watcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const tinyRSS = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>` +
	`<item><title>Talks in Doha</title><link>https://example.org/1</link><guid>1</guid></item></channel></rss>`

func newFetcher(t *testing.T, opts FetchOptions) *Fetcher {
	t.Helper()
	f := NewFetcher(opts)
	t.Cleanup(f.CloseIdleConnections)
	return f
}

func fetchErr(t *testing.T, err error) *Error {
	t.Helper()
	fe, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *watcher.Error", err, err)
	}
	return fe
}

func TestFetchConditional(t *testing.T) {
	for _, tc := range []struct {
		name, header, cond string
	}{
		{"etag", "ETag", "If-None-Match"},
		{"last-modified", "Last-Modified", "If-Modified-Since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			val := `"v1"`
			if tc.header == "Last-Modified" {
				val = "Sat, 25 Oct 2025 08:00:00 GMT"
			}
			var hits, cond atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set(tc.header, val)
				if r.Header.Get(tc.cond) == val {
					cond.Add(1)
					w.WriteHeader(http.StatusNotModified)
					return
				}
				io.WriteString(w, tinyRSS)
			}))
			defer srv.Close()
			f := newFetcher(t, FetchOptions{})
			r1, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			if err != nil || r1.NotModified || string(r1.Body) != tinyRSS {
				t.Fatalf("first fetch: %+v, %v", r1, err)
			}
			r2, err := f.Fetch(t.Context(), Request{URL: srv.URL, ETag: r1.ETag, LastModified: r1.LastModified})
			if err != nil {
				t.Fatal(err)
			}
			if !r2.NotModified || len(r2.Body) != 0 || cond.Load() != 1 {
				t.Fatalf("second fetch: not modified %v, body %d bytes, conditional hits %d", r2.NotModified, len(r2.Body), cond.Load())
			}
			if got := r2.ETag + r2.LastModified; got != val {
				t.Errorf("validators after 304 = %q, want %q", got, val)
			}
		})
	}
}

func TestFetchHeadersSent(t *testing.T) {
	var ua, ae string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, ae = r.Header.Get("User-Agent"), r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", `application/rss+xml; Charset="Windows-1256"`)
		io.WriteString(w, tinyRSS)
	}))
	defer srv.Close()
	resp, err := newFetcher(t, FetchOptions{}).Fetch(t.Context(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if want := "wirewatch/" + Version + " (+https://github.com/wirewatch/wirewatch)"; ua != want {
		t.Errorf("User-Agent = %q, want %q", ua, want)
	}
	if ae != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", ae)
	}
	if resp.Charset != "windows-1256" {
		t.Errorf("charset = %q, want windows-1256", resp.Charset)
	}
}

func TestFetchStatusClasses(t *testing.T) {
	clock := newFakeClock()
	date := clock.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		class      Class
		wantRA     time.Duration
		text       string
	}{
		{"404", 404, "", ClassPermanent, 0, "http 404 not found"},
		{"410", 410, "", ClassGone, 0, "http 410 gone"},
		{"403", 403, "", ClassPermanent, 0, "http 403 forbidden"},
		{"500", 500, "", ClassTransient, 0, "http 500 internal server error"},
		{"503 seconds", 503, "120", ClassTransient, 120 * time.Second, "http 503 service unavailable"},
		{"503 date", 503, date, ClassTransient, 2 * time.Hour, "http 503 service unavailable"},
		{"429 seconds", 429, "90", ClassTransient, 90 * time.Second, "http 429 too many requests"},
		{"429 date", 429, date, ClassTransient, 2 * time.Hour, "http 429 too many requests"},
		{"429 garbage", 429, "soon", ClassTransient, 0, "http 429 too many requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			_, err := newFetcher(t, FetchOptions{Clock: clock}).Fetch(t.Context(), Request{URL: srv.URL})
			fe := fetchErr(t, err)
			if fe.Class != tc.class || fe.Status != tc.status || err.Error() != tc.text {
				t.Errorf("got class %s status %d %q, want %s %d %q", fe.Class, fe.Status, err, tc.class, tc.status, tc.text)
			}
			var wantRA time.Time
			if tc.wantRA > 0 {
				wantRA = clock.Now().Add(tc.wantRA)
			}
			if !fe.RetryAfter.Equal(wantRA) {
				t.Errorf("RetryAfter = %v, want %v", fe.RetryAfter, wantRA)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	_, err := newFetcher(t, FetchOptions{Timeout: 100 * time.Millisecond}).Fetch(t.Context(), Request{URL: srv.URL})
	fe := fetchErr(t, err)
	if fe.Class != ClassTransient || err.Error() != "timeout after 100ms" {
		t.Errorf("got %s %q, want transient timeout", fe.Class, err)
	}
}

func TestFetchCancelIsNotAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err := newFetcher(t, FetchOptions{}).Fetch(ctx, Request{URL: srv.URL})
	if _, ok := errors.AsType[*Error](err); ok || err == nil {
		t.Fatalf("cancelled fetch returned %v, want the context's error", err)
	}
}

func TestFetchConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = newFetcher(t, FetchOptions{}).Fetch(t.Context(), Request{URL: "http://" + addr + "/feed"})
	if fe := fetchErr(t, err); fe.Class != ClassTransient || !strings.HasPrefix(err.Error(), "connection: ") {
		t.Errorf("got %s %q, want transient connection error", fe.Class, err)
	}
}

func TestTransportErrorDNS(t *testing.T) {
	e := transportError(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, time.Second)
	if e.Class != ClassTransient || e.Error() != "dns: no such host" {
		t.Errorf("got %s %q", e.Class, e)
	}
}

func TestFetchRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tinyRSS) })
	for _, code := range []int{301, 302, 307, 308} {
		mux.Handle(fmt.Sprintf("/r%d", code), http.RedirectHandler("/feed", code))
	}
	mux.Handle("/chain", http.RedirectHandler("/r302", 301))
	mux.Handle("/loop", http.RedirectHandler("/loop", 301))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := newFetcher(t, FetchOptions{})
	for _, tc := range []struct {
		path, moved string
	}{
		{"/r301", "/feed"}, {"/r308", "/feed"}, {"/r302", ""}, {"/r307", ""}, {"/chain", ""},
	} {
		resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + tc.path})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		want := ""
		if tc.moved != "" {
			want = srv.URL + tc.moved
		}
		if resp.Moved != want || resp.URL != srv.URL+"/feed" {
			t.Errorf("%s: moved %q url %q, want moved %q", tc.path, resp.Moved, resp.URL, want)
		}
	}
	_, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/loop"})
	if fe := fetchErr(t, err); fe.Class != ClassPermanent || err.Error() != "more than 10 redirects" {
		t.Errorf("loop: %s %q", fe.Class, err)
	}
}

func TestFetchBodyCap(t *testing.T) {
	const size = 50 << 20
	chunk := bytes.Repeat([]byte("<item>x</item>"), 1<<12)
	for _, withLength := range []bool{true, false} {
		t.Run(fmt.Sprintf("content-length=%v", withLength), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if withLength {
					w.Header().Set("Content-Length", fmt.Sprint(size))
				}
				for n := 0; n < size; n += len(chunk) {
					if _, err := w.Write(chunk[:min(len(chunk), size-n)]); err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			_, err := newFetcher(t, FetchOptions{}).Fetch(t.Context(), Request{URL: srv.URL})
			if fe := fetchErr(t, err); fe.Class != ClassPermanent || err.Error() != "body exceeds 10 MiB" {
				t.Errorf("got %s %q", fe.Class, err)
			}
		})
	}
}

func gzipBytes(t testing.TB, b []byte, repeat int) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	for range repeat {
		zw.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

// gzipBomb is mib MiB of zeros as a multi-member gzip stream (one
// compressed MiB repeated): ~1 KB on the wire per MiB.
func gzipBomb(t testing.TB, mib int) []byte {
	return bytes.Repeat(gzipBytes(t, make([]byte, 1<<20), 1), mib)
}

func TestFetchGzip(t *testing.T) {
	bomb := gzipBomb(t, 1024) // 1 GiB of zeros, ~1 MB on the wire
	feed := gzipBytes(t, []byte(tinyRSS), 1)
	mux := http.NewServeMux()
	serve := func(path string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(body)
		})
	}
	serve("/bomb", bomb)
	serve("/feed", feed)
	serve("/corrupt", append(feed[:len(feed)-8:len(feed)-8], 1, 2, 3, 4, 5, 6, 7, 8))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := newFetcher(t, FetchOptions{})

	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/feed"})
	if err != nil || string(resp.Body) != tinyRSS || resp.WireBytes != int64(len(feed)) {
		t.Fatalf("gzip feed: %v, body %q, wire %d", err, resp.Body, resp.WireBytes)
	}
	_, err = f.Fetch(t.Context(), Request{URL: srv.URL + "/bomb"})
	if fe := fetchErr(t, err); fe.Class != ClassPermanent || err.Error() != "body exceeds 10 MiB" {
		t.Errorf("gzip bomb: %s %q", fe.Class, err)
	}
	_, err = f.Fetch(t.Context(), Request{URL: srv.URL + "/corrupt"})
	if fe := fetchErr(t, err); fe.Class != ClassPermanent {
		t.Errorf("corrupt gzip: %s %q", fe.Class, err)
	}
}

func TestFetchFreshness(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now()
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Time
	}{
		{"max-age", http.Header{"Cache-Control": {"public, max-age=1800"}}, now.Add(30 * time.Minute)},
		{"max-age wins over expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, now.Add(time.Minute)},
		{"expires against date", http.Header{"Date": {now.Add(-time.Hour).Format(http.TimeFormat)}, "Expires": {now.Format(http.TimeFormat)}}, now.Add(time.Hour)},
		{"expires capped", http.Header{"Expires": {now.Add(100 * 24 * time.Hour).Format(http.TimeFormat)}}, now.Add(24 * time.Hour)},
		{"expires past", http.Header{"Expires": {now.Add(-time.Hour).Format(http.TimeFormat)}}, time.Time{}},
		{"expires zero", http.Header{"Expires": {"0"}}, time.Time{}},
		{"none", http.Header{}, time.Time{}},
	} {
		if got := freshUntil(tc.header, now); !got.Equal(tc.want) {
			t.Errorf("%s: freshUntil = %v, want %v", tc.name, got, tc.want)
		}
	}
}
