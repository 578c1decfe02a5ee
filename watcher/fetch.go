package watcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Version is the version in the default User-Agent; the command passes
// its own User-Agent with the build's version.
const Version = "dev"

// ProjectURL is the address in the User-Agent, for server operators.
const ProjectURL = "https://github.com/wirewatch/wirewatch"

// Fetcher defaults.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxBody        = 10 << 20
	maxRedirects          = 10
)

// FetchOptions configure a Fetcher. Zero values take the defaults.
type FetchOptions struct {
	// Timeout bounds a whole request: connect, headers, redirects and body.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// MaxBody caps the body, both on the wire and after gzip decoding.
	MaxBody int64
	// UserAgent overrides "wirewatch/VERSION (+ProjectURL)".
	UserAgent string
	// MaxIdleConnsPerHost is kept per host between polls; default 2.
	MaxIdleConnsPerHost int
	// Clock dates the caching headers; nil is the system clock.
	Clock Clock
}

// Fetcher fetches feed documents politely: conditional GET, gzip, capped
// bodies, timeouts, and every failure classified. It is safe for
// concurrent use; its connections are closed by CloseIdleConnections.
type Fetcher struct {
	client    *http.Client
	transport *http.Transport
	opts      FetchOptions
	maxBody   string
}

// NewFetcher returns a Fetcher with its own http.Client and transport.
func NewFetcher(opts FetchOptions) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "wirewatch/" + Version + " (+" + ProjectURL + ")"
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 2
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		// gzip is requested and decoded here, so the decoded size can be capped.
		DisableCompression: true,
		ForceAttemptHTTP2:  true,
	}
	return &Fetcher{
		client: &http.Client{
			Transport: tr,
			// Redirects are followed by Fetch itself: it must know whether
			// every hop was permanent.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		transport: tr,
		opts:      opts,
		maxBody:   formatSize(opts.MaxBody),
	}
}

// CloseIdleConnections closes kept-alive connections.
func (f *Fetcher) CloseIdleConnections() { f.transport.CloseIdleConnections() }

// Request is one conditional GET.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
}

// Response is a successful fetch: a document (Status 2xx) or a 304.
type Response struct {
	// URL is where the document was finally fetched from.
	URL string
	// Moved is the feed's new address when every redirect was permanent
	// (301/308); empty otherwise.
	Moved  string
	Status int
	// NotModified is true for a 304: Body is empty and nothing is parsed.
	NotModified bool
	Body        []byte
	// Charset is the charset parameter of Content-Type, lower case; empty
	// when the server named none.
	Charset string
	// ETag and LastModified are the validators to send next time (the
	// request's own when a 304 repeated none).
	ETag, LastModified string
	// FreshUntil is when the response stops being fresh by Cache-Control
	// max-age or Expires (capped at 24h); zero when the server said nothing.
	FreshUntil time.Time
	// WireBytes counts body bytes read off the network (compressed).
	WireBytes int64
}

// Fetch performs one conditional GET of req.URL. Failures come back as
// *Error with a class, except when ctx itself is cancelled, which returns
// ctx's error unwrapped so callers do not count it against the feed.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	rctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	resp, err := f.fetch(rctx, req)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return resp, err
}

func (f *Fetcher) fetch(ctx context.Context, req Request) (*Response, error) {
	cur, err := url.Parse(req.URL)
	if err != nil || (cur.Scheme != "http" && cur.Scheme != "https") || cur.Host == "" {
		return nil, &Error{Class: ClassPermanent, Err: fmt.Errorf("invalid feed url %q", req.URL)}
	}
	permanent := true
	for hop := 0; ; hop++ {
		resp, err := f.do(ctx, cur.String(), req)
		if err != nil {
			return nil, err
		}
		if !isRedirect(resp.StatusCode) {
			defer resp.Body.Close()
			out, err := f.finish(resp, req)
			if err != nil {
				return nil, err
			}
			out.URL = cur.String()
			if hop > 0 && permanent {
				out.Moved = out.URL
			}
			return out, nil
		}
		drain(resp.Body)
		loc := resp.Header.Get("Location")
		next, err := cur.Parse(loc)
		switch {
		case loc == "" || err != nil:
			return nil, &Error{Class: ClassPermanent, Status: resp.StatusCode, Err: fmt.Errorf("http %d redirect without a valid location", resp.StatusCode)}
		case next.Scheme != "http" && next.Scheme != "https":
			return nil, &Error{Class: ClassPermanent, Status: resp.StatusCode, Err: fmt.Errorf("redirect to unsupported url %q", loc)}
		case hop+1 >= maxRedirects:
			return nil, &Error{Class: ClassPermanent, Status: resp.StatusCode, Err: fmt.Errorf("more than %d redirects", maxRedirects)}
		}
		permanent = permanent && (resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusPermanentRedirect)
		cur = next
	}
}

func (f *Fetcher) do(ctx context.Context, u string, req Request) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{Class: ClassPermanent, Err: fmt.Errorf("invalid feed url %q", u)}
	}
	hr.Header.Set("User-Agent", f.opts.UserAgent)
	hr.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	hr.Header.Set("Accept-Encoding", "gzip")
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}
	resp, err := f.client.Do(hr)
	if err != nil {
		return nil, transportError(err, f.opts.Timeout)
	}
	return resp, nil
}

// finish turns a final (non-redirect) response into a Response or an error.
func (f *Fetcher) finish(resp *http.Response, req Request) (*Response, error) {
	now := f.opts.Clock.Now()
	out := &Response{
		Status:       resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FreshUntil:   freshUntil(resp.Header, now),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		drain(resp.Body)
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		drain(resp.Body)
		ra, _ := parseRetryAfter(resp.Header.Get("Retry-After"), now)
		return nil, statusError(resp.StatusCode, ra)
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		out.Charset = strings.ToLower(strings.TrimSpace(params["charset"]))
	}
	body, wire, err := f.readBody(resp)
	out.WireBytes = wire
	if err != nil {
		return nil, err
	}
	out.Body = body
	return out, nil
}

// readBody reads the body under the cap, decoding gzip itself so that a
// small compressed body cannot expand past the cap either.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, int64, error) {
	max := f.opts.MaxBody
	if resp.ContentLength > max {
		return nil, 0, f.tooBig(resp.StatusCode)
	}
	wire := &countingReader{r: io.LimitReader(resp.Body, max+1)}
	var r io.Reader = wire
	encoding := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	switch encoding {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, wire.n, f.bodyError(resp.StatusCode, fmt.Errorf("gzip: %w", err))
		}
		defer zr.Close()
		r = zr
	default:
		return nil, 0, &Error{Class: ClassPermanent, Status: resp.StatusCode, Err: fmt.Errorf("unsupported content encoding %q", encoding)}
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 && r == io.Reader(wire) {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if n > max || wire.n > max {
		return nil, wire.n, f.tooBig(resp.StatusCode)
	}
	if err != nil {
		return nil, wire.n, f.bodyError(resp.StatusCode, err)
	}
	return buf.Bytes(), wire.n, nil
}

func (f *Fetcher) tooBig(status int) error {
	return &Error{Class: ClassPermanent, Status: status, Err: fmt.Errorf("body exceeds %s", f.maxBody)}
}

// bodyError classifies a failure while reading the body: a cut connection
// or timeout is transient, corrupt gzip is permanent.
func (f *Fetcher) bodyError(status int, err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return &Error{Class: ClassPermanent, Status: status, Err: fmt.Errorf("read body: %w", err)}
	}
	e := transportError(err, f.opts.Timeout)
	e.Status = status
	if e.Err == err {
		e.Err = fmt.Errorf("read body: %w", err)
	}
	return e
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(body io.ReadCloser) {
	io.CopyN(io.Discard, body, 4<<10)
	body.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// formatSize prints a byte count the way limits are configured: "10 MiB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
