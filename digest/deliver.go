package digest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// outcome classifies one delivery attempt.
type outcome int

const (
	outcomeDelivered outcome = iota + 1 // 2xx
	outcomeRetry                        // 408, 429, 5xx, network error, timeout
	outcomeFailed                       // any other status: permanent
	outcomeAborted                      // our own context was cancelled (shutdown): not an attempt
)

// result is what one HTTP attempt produced.
type result struct {
	outcome    outcome
	status     int
	err        string        // one line, for the outbox and `digest list`
	retryAfter time.Duration // from a Retry-After header, if any
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// newClient is the delivery client used when none is injected: redirects are
// not followed (a POST turned into a GET would drop the digest silently).
func newClient() *http.Client {
	return &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// buildRequest makes the request for one attempt. The body is the stored
// payload, byte for byte; the signature is computed at send time.
func buildRequest(ctx context.Context, d *Definition, rec store.Digest, now time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(rec.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	h := req.Header
	for k, v := range d.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", rec.ContentType)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "wirewatch-digest/1")
	h.Set("Idempotency-Key", rec.ID)
	setAuth(h, d.Format, d.Token)
	if d.Secret.IsSet() {
		h.Set(SignatureHeader, Sign([]byte(d.Secret.Reveal()), now, rec.Body))
	}
	return req, nil
}

// send makes one attempt and classifies it.
func send(ctx context.Context, client *http.Client, timeout time.Duration, d *Definition, rec store.Digest, now time.Time) result {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := buildRequest(rctx, d, rec, now)
	if err != nil {
		return result{outcome: outcomeFailed, err: err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return result{outcome: outcomeAborted, err: ctx.Err().Error()}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return result{outcome: outcomeRetry, err: fmt.Sprintf("no response within %s", timeout)}
		}
		return result{outcome: outcomeRetry, err: oneLine(stripURL(err, d.URL), 300)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	r := result{status: resp.StatusCode}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		r.outcome = outcomeDelivered
		return r
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		r.outcome = outcomeRetry
		r.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	default:
		r.outcome = outcomeFailed
	}
	r.err = "http " + strconv.Itoa(resp.StatusCode)
	if line := firstLine(body); line != "" {
		r.err += ": " + line
	}
	return r
}

// stripURL removes the endpoint URL from a transport error: a Slack webhook
// URL is itself a secret and must not reach logs or the outbox.
func stripURL(err error, u string) string {
	s := err.Error()
	if u != "" {
		s = strings.ReplaceAll(s, `"`+u+`"`, "endpoint")
		s = strings.ReplaceAll(s, u, "endpoint")
	}
	return s
}

// firstLine returns the first non-blank line of a response body, cleaned and
// cut to 300 runes.
func firstLine(body []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), maxErrorBody)
	for sc.Scan() {
		if l := cleanLine(sc.Text(), 300); l != "" {
			return l
		}
	}
	return ""
}

func oneLine(s string, limit int) string { return cleanLine(s, limit) }

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(min(n, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is the retry schedule: Base doubled per failed attempt, capped at
// Max, with the upper half jittered so many digests do not retry in step.
type Backoff struct {
	Base time.Duration // first retry delay; default 1m
	Max  time.Duration // cap; default 1h
}

func (b Backoff) delay(attempt int, rnd float64) time.Duration {
	base, capd := b.Base, b.Max
	if base <= 0 {
		base = time.Minute
	}
	if capd <= 0 {
		capd = time.Hour
	}
	d := base
	for i := 1; i < attempt && d < capd; i++ {
		d *= 2
	}
	d = min(d, capd)
	return d/2 + time.Duration(rnd*float64(d/2))
}
