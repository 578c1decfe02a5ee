package watcher

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/wirewatch/wirewatch/store"
)

// TestRoundMisbehavingServers polls one good feed beside many bad ones in
// one round: every failure is classified and recorded, the good feed is
// stored all the same.
func TestRoundMisbehavingServers(t *testing.T) {
	bomb := gzipBomb(t, 256)
	big := bytes.Repeat([]byte("<item><title>x</title></item>\n"), (50<<20)/30)
	block := make(chan struct{})
	defer close(block)
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, rssDoc("good", 4)) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!DOCTYPE html>\n<html><body>Home</body></html>")
	})
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>broken`)
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	names := []string{"good", "slow", "huge", "bomb", "html", "malformed", "missing"}
	var feeds []Feed
	for _, n := range names {
		feeds = append(feeds, Feed{Name: n, URL: srv.URL + "/" + n})
	}
	h := newHarness(t, feeds, func(o *PollerOptions) {
		o.Fetcher = newFetcher(t, FetchOptions{Timeout: 6 * time.Second})
		o.PerHost = len(feeds)
	})
	res := h.round(RoundOptions{})
	for _, tc := range []struct {
		feed  string
		class Class
		err   string // prefix
	}{
		{"good", 0, ""},
		{"slow", ClassTransient, "timeout after 6s"},
		{"huge", ClassPermanent, "body exceeds 10 MiB"},
		{"bomb", ClassPermanent, "body exceeds 10 MiB"},
		{"html", ClassPermanent, "not a feed: the server sent an HTML page"},
		{"malformed", ClassPermanent, "parse xml feed: XML syntax error"},
		{"missing", ClassPermanent, "http 404 not found"},
	} {
		r := res[tc.feed]
		got := ""
		if r.Err != nil {
			got = r.Err.Error()
		}
		if r.Class != tc.class || !strings.HasPrefix(got, tc.err) || (tc.err == "") != (got == "") {
			t.Errorf("%s: class %s err %q, want %s %q", tc.feed, r.Class, got, tc.class, tc.err)
		}
		st := h.state(tc.feed)
		if tc.err != "" && (st.LastError != got || st.LastErrorClass != tc.class.String() || st.ConsecutiveFailures != 1) {
			t.Errorf("%s: state %+v", tc.feed, st)
		}
	}
	if r := res["good"]; r.Outcome.Kept != 4 {
		t.Errorf("good feed kept %d items, want 4", r.Outcome.Kept)
	}
}

// loopbackServer serves h on 127.0.0.ip: a separate "host" for the
// per-host limits.
func loopbackServer(t *testing.T, ip int, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", ip))
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.%d: %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestOneBadFeedDoesNotDelayOthers: a feed that hangs holds one slot; every
// other feed is polled and stored while it hangs.
func TestOneBadFeedDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	slow := loopbackServer(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, rssDoc("slow", 1))
	}))
	feeds := []Feed{{Name: "slow", URL: slow.URL}}
	for i := range 12 {
		srv := loopbackServer(t, 3+i, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, rssDoc(fmt.Sprint("good", i), 2))
		}))
		feeds = append(feeds, Feed{Name: fmt.Sprint("good", i), URL: srv.URL})
	}
	h := newHarness(t, feeds, func(o *PollerOptions) {
		o.Concurrency = 3
		o.Fetcher = newFetcher(t, FetchOptions{Timeout: time.Minute})
	})
	done := make(chan []Result)
	go func() {
		res, _ := h.p.Round(t.Context(), RoundOptions{})
		done <- res
	}()
	for range 12 { // all good feeds finish while the slow one hangs
		if r := h.await(); r.Feed == "slow" || r.Err != nil {
			t.Fatalf("unexpected result while the slow feed hangs: %+v", r)
		}
	}
	close(release)
	for _, r := range <-done {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Feed, r.Err)
		}
	}
}

// TestHostLimits: feeds on one host are polled one at a time, at least the
// host spacing apart; another host is not held up by it.
func TestHostLimits(t *testing.T) {
	inFlight, maxInFlight := 0, 0
	var mu = make(chan struct{}, 1)
	busy := loopbackServer(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		<-mu
		io.WriteString(w, rssDoc(r.URL.Path[1:], 1))
		mu <- struct{}{}
		inFlight--
		<-mu
	}))
	other := loopbackServer(t, 3, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, rssDoc("other", 1))
	}))
	feeds := []Feed{{Name: "other", URL: other.URL}}
	for i := range 3 {
		feeds = append(feeds, Feed{Name: fmt.Sprint("a", i), URL: fmt.Sprintf("%s/a%d", busy.URL, i)})
	}
	h := newHarness(t, feeds, func(o *PollerOptions) { o.HostSpacing = 2 * time.Second })
	done := make(chan []Result)
	go func() {
		res, _ := h.p.Round(t.Context(), RoundOptions{})
		done <- res
	}()
	start := h.clock.Now()
	got := map[string]time.Time{}
	for len(got) < 2 { // "other" and the first feed of the busy host
		r := h.await()
		got[r.Feed] = r.Start
	}
	if _, ok := got["other"]; !ok {
		t.Fatalf("the other host waited for the busy one: %v", got)
	}
	for len(got) < 4 { // each later start waits for the 2s spacing
		h.waitArmed(h.lastArms)
		h.clock.Advance(2 * time.Second)
		r := h.await()
		got[r.Feed] = r.Start
	}
	<-done
	var starts []time.Duration
	for n, at := range got {
		if n != "other" {
			starts = append(starts, at.Sub(start))
		}
	}
	slicesSort(starts)
	if starts[0] != 0 || starts[1] < 2*time.Second || starts[2]-starts[1] < 2*time.Second {
		t.Errorf("busy host request starts %v, want 0 and then at least 2s apart", starts)
	}
	if maxInFlight != 1 {
		t.Errorf("busy host saw %d requests at once, want 1", maxInFlight)
	}
}

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCharsetFromHTTPHeader: documents whose only charset is the HTTP
// Content-Type come out as correct UTF-8.
func TestCharsetFromHTTPHeader(t *testing.T) {
	doc := func(title string) string {
		return `<?xml version="1.0"?>` + "\n" + `<rss version="2.0"><channel><title>c</title><item><title>` + title +
			`</title><link>https://example.org/1</link><guid>1</guid></item></channel></rss>`
	}
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	declared := func(enc, title string) string {
		return strings.Replace(doc(title), `<?xml version="1.0"?>`, `<?xml version="1.0" encoding="`+enc+`"?>`, 1)
	}
	cases := []struct {
		name, charset, title string
		body                 []byte
	}{
		{"windows-1256", "windows-1256", "محادثات الدوحة بين أفغانستان وباكستان", nil},
		{"windows-1252", "windows-1252", "Türkiye’s “mediation” – café", nil},
		{"iso-8859-2", "ISO-8859-2", "Rozmowy w Stambule: Kraków, Łódź", nil},
		{"iso-8859-9", "iso-8859-9", "İstanbul görüşmeleri: Türkiye ve Katar", nil},
		{"utf-16 bom", "utf-16", "Doha talks: دوحه", nil},
		{"utf-16be declared", "utf-16be", "Istanbul round – İstanbul", nil},
		{"declaration wins", "windows-1256", "Gespräche in Doha über Grenzübergänge", nil},
	}
	cases[0].body = encode(t, charmap.Windows1256, doc(cases[0].title))
	cases[1].body = encode(t, charmap.Windows1252, doc(cases[1].title))
	cases[2].body = encode(t, charmap.ISO8859_2, doc(cases[2].title))
	cases[3].body = encode(t, charmap.ISO8859_9, doc(cases[3].title))
	cases[4].body = encode(t, utf16, strings.TrimPrefix(doc(cases[4].title), `<?xml version="1.0"?>`+"\n"))
	cases[5].body = encode(t, utf16be, declared("UTF-16", cases[5].title))
	cases[6].body = encode(t, charmap.ISO8859_1, declared("ISO-8859-1", cases[6].title))
	mux := http.NewServeMux()
	var feeds []Feed
	for i, tc := range cases {
		mux.HandleFunc(fmt.Sprintf("/%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset="+tc.charset)
			w.Write(tc.body)
		})
		feeds = append(feeds, Feed{Name: tc.name, URL: fmt.Sprintf("/%d", i)})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for i := range feeds {
		feeds[i].URL = srv.URL + feeds[i].URL
	}
	h := newHarness(t, feeds, func(o *PollerOptions) { o.PerHost = len(feeds) })
	res := h.round(RoundOptions{})
	for _, tc := range cases {
		if r := res[tc.name]; r.Err != nil {
			t.Errorf("%s: %v", tc.name, r.Err)
			continue
		}
		items, err := h.st.Items(t.Context(), store.Query{Feed: tc.name})
		if err != nil || len(items) != 1 {
			t.Fatalf("%s: %d items, %v", tc.name, len(items), err)
		}
		if items[0].Title != tc.title {
			t.Errorf("%s: title %q, want %q", tc.name, items[0].Title, tc.title)
		}
	}
}

func slicesSort(d []time.Duration) {
	for i := range d {
		for j := i + 1; j < len(d); j++ {
			if d[j] < d[i] {
				d[i], d[j] = d[j], d[i]
			}
		}
	}
}
