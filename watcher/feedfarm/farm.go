// Package feedfarm serves many feeds from many loopback addresses, for the
// poller's tests and benchmarks: each feed has an ETag and a Last-Modified,
// honours conditional GET and gzip, and may be slow or fail on purpose.
//
// Documents are real feeds from ../shared/corpus/feeds (those gofeed parses,
// between 4 KiB and 160 KiB) when that directory is present, generated RSS
// otherwise. Feeds are spread over Options.Hosts addresses 127.0.x.y, one
// listener each, so per-host limits behave as they would on the internet.
package feedfarm

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is how a farm feed behaves.
type Kind int

// Feed behaviours.
const (
	OK          Kind = iota // 200 with a document, 304 when unchanged
	ServerError             // 503 every time
	NotFound                // 404
	Gone                    // 410
	Slow                    // answers after Options.SlowDelay
	HTML                    // an HTML page instead of a feed
)

// Mix gives the fraction of feeds of each failing kind; the rest are OK.
type Mix struct {
	ServerError, NotFound, Gone, Slow, HTML float64
}

// Options configure a farm.
type Options struct {
	// Feeds is the number of feeds (default 100).
	Feeds int
	// Hosts is the number of loopback addresses (default min(Feeds, 250)).
	Hosts int
	// Latency delays every answer.
	Latency time.Duration
	// SlowDelay delays the answers of Slow feeds (default 1 minute).
	SlowDelay time.Duration
	// Mix assigns failing behaviours, at random with Seed.
	Mix  Mix
	Seed uint64
	// Corpus is the directory of real feed documents with MANIFEST.tsv;
	// empty or absent: generated documents.
	Corpus string
}

// Farm is a running set of feed servers.
type Farm struct {
	feeds     []*feed
	docs      []*doc
	listeners []net.Listener
	srv       *http.Server
	wg        sync.WaitGroup
	opts      Options

	requests, notModified, bytes, wire atomic.Int64
}

type feed struct {
	url  string
	kind Kind
	mu   sync.Mutex
	doc  *doc
	ver  int // bumped by Touch
	etag string
	mod  time.Time
}

type doc struct {
	plain, gz []byte
	ctype     string
}

// Start builds the documents and starts the servers.
func Start(opts Options) (*Farm, error) {
	if opts.Feeds <= 0 {
		opts.Feeds = 100
	}
	if opts.Hosts <= 0 {
		opts.Hosts = min(opts.Feeds, 250)
	}
	if opts.Hosts > 250*250 {
		return nil, errors.New("feedfarm: too many hosts")
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = time.Minute
	}
	docs, err := loadDocs(opts.Corpus)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		docs = generatedDocs(32)
	}
	f := &Farm{docs: docs, opts: opts}
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	ports := make([]string, opts.Hosts)
	for h := range opts.Hosts {
		ip := fmt.Sprintf("127.0.%d.%d", h/250, h%250+2)
		l, err := net.Listen("tcp", ip+":0")
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("feedfarm: listen on %s: %w", ip, err)
		}
		l = &countingListener{Listener: l, n: &f.wire}
		f.listeners = append(f.listeners, l)
		ports[h] = l.Addr().String()
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	base := time.Date(2025, 10, 20, 8, 0, 0, 0, time.UTC)
	for i := range opts.Feeds {
		fd := &feed{
			url:  fmt.Sprintf("http://%s/feed/%d", ports[i%opts.Hosts], i),
			kind: pick(rng, opts.Mix),
			doc:  docs[i%len(docs)],
			mod:  base.Add(time.Duration(i) * time.Second),
		}
		fd.etag = etagOf(fd.doc, i, 0)
		f.feeds = append(f.feeds, fd)
	}
	for _, l := range f.listeners {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.srv.Serve(l)
		}()
	}
	return f, nil
}

func pick(rng *rand.Rand, m Mix) Kind {
	x := rng.Float64()
	for _, k := range []struct {
		p float64
		k Kind
	}{{m.ServerError, ServerError}, {m.NotFound, NotFound}, {m.Gone, Gone}, {m.Slow, Slow}, {m.HTML, HTML}} {
		if x < k.p {
			return k.k
		}
		x -= k.p
	}
	return OK
}

func etagOf(d *doc, i, ver int) string {
	sum := sha256.Sum256(d.plain)
	return `"` + hex.EncodeToString(sum[:6]) + "-" + strconv.Itoa(i) + "-" + strconv.Itoa(ver) + `"`
}

// Close stops every server and waits for them.
func (f *Farm) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.srv.Shutdown(ctx)
	for _, l := range f.listeners {
		l.Close()
	}
	f.wg.Wait()
	return err
}

// URLs returns every feed's URL, in feed order.
func (f *Farm) URLs() []string {
	out := make([]string, len(f.feeds))
	for i, fd := range f.feeds {
		out[i] = fd.url
	}
	return out
}

// Hosts returns how many loopback addresses the farm listens on.
func (f *Farm) Hosts() int { return len(f.listeners) }

// Docs returns how many distinct documents the farm serves.
func (f *Farm) Docs() int { return len(f.docs) }

// Kind returns the behaviour of feed i.
func (f *Farm) Kind(i int) Kind { return f.feeds[i].kind }

// Touch changes feed i's document (a new item), so its ETag changes.
func (f *Farm) Touch(i int) {
	fd := f.feeds[i]
	fd.mu.Lock()
	defer fd.mu.Unlock()
	fd.ver++
	fd.doc = f.docs[(i+fd.ver)%len(f.docs)]
	fd.etag = etagOf(fd.doc, i, fd.ver)
	fd.mod = fd.mod.Add(time.Hour)
}

// Stats counts what the farm served.
type Stats struct {
	// Requests and NotModified count requests and 304 answers.
	Requests, NotModified int64
	// Bytes counts response bodies; WireBytes everything written to the
	// connections (status lines, headers, bodies).
	Bytes, WireBytes int64
}

// Stats returns the counters since Start.
func (f *Farm) Stats() Stats {
	return Stats{Requests: f.requests.Load(), NotModified: f.notModified.Load(), Bytes: f.bytes.Load(), WireBytes: f.wire.Load()}
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// ServeHTTP serves /feed/N.
func (f *Farm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	if err != nil || i < 0 || i >= len(f.feeds) {
		http.NotFound(w, r)
		return
	}
	fd := f.feeds[i]
	if !f.sleep(r.Context(), f.opts.Latency) {
		return
	}
	switch fd.kind {
	case ServerError:
		w.Header().Set("Retry-After", "120")
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	case NotFound:
		http.NotFound(w, r)
		return
	case Gone:
		http.Error(w, "gone", http.StatusGone)
		return
	case HTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		n, _ := w.Write([]byte("<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"))
		f.bytes.Add(int64(n))
		return
	case Slow:
		if !f.sleep(r.Context(), f.opts.SlowDelay) {
			return
		}
	}
	fd.mu.Lock()
	d, etag, mod := fd.doc, fd.etag, fd.mod
	fd.mu.Unlock()
	f.serveDoc(w, r, d, etag, mod)
}

func (f *Farm) serveDoc(w http.ResponseWriter, r *http.Request, d *doc, etag string, mod time.Time) {
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", mod.Format(http.TimeFormat))
	h.Set("Content-Type", d.ctype)
	h.Set("Vary", "Accept-Encoding")
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		f.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := d.plain
	if d.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = d.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	n, _ := w.Write(body)
	f.bytes.Add(int64(n))
}

func (f *Farm) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
