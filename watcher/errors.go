package watcher

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Class says whether a failed poll is worth retrying soon.
type Class int

// Failure classes. Every class is retried with backoff except ClassGone:
// a feed is never given up on silently.
const (
	// ClassTransient failures are expected to heal by themselves: timeouts,
	// DNS and connection errors, 5xx, 429, 408.
	ClassTransient Class = iota + 1
	// ClassPermanent failures need someone to act: 404, other 4xx, a page
	// that is not a feed, a document that does not parse, a body over the cap.
	ClassPermanent
	// ClassGone is 410 Gone: the only answer that stops polling.
	ClassGone
)

// String returns "transient", "permanent" or "gone".
func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassPermanent:
		return "permanent"
	case ClassGone:
		return "gone"
	}
	return "unknown"
}

// Error is a classified poll failure. Fetch returns it for every failure
// except the cancellation of the caller's context; a Handler may return one
// to choose the class of its own failures (other handler errors count as
// permanent).
type Error struct {
	Class Class
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Time
	// Err is the cause; Error() prints it.
	Err error
}

// Error returns the cause's text: "http 503 service unavailable",
// "timeout after 30s", "body exceeds 10 MiB".
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Transient wraps err as a transient failure (for handlers: a full disk is
// not the feed's fault).
func Transient(err error) error { return &Error{Class: ClassTransient, Err: err} }

// Permanent wraps err as a permanent failure.
func Permanent(err error) error { return &Error{Class: ClassPermanent, Err: err} }

// ClassOf returns the class of a poll failure: the Class of an *Error in
// err's chain, else permanent.
func ClassOf(err error) Class {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Class
	}
	return ClassPermanent
}

// statusError classifies an HTTP status that is neither 2xx nor 304.
func statusError(code int, retryAfter time.Time) *Error {
	e := &Error{Status: code, RetryAfter: retryAfter, Class: ClassPermanent}
	switch {
	case code == http.StatusGone:
		e.Class = ClassGone
	case code == http.StatusTooManyRequests, code == http.StatusRequestTimeout,
		code == http.StatusTooEarly, code >= 500:
		e.Class = ClassTransient
	}
	text := strings.ToLower(http.StatusText(code))
	if text == "" {
		text = "unknown status"
	}
	e.Err = fmt.Errorf("http %d %s", code, text)
	return e
}

// transportError classifies an error from the HTTP client: the network is
// transient except for certificate problems, which need a human.
func transportError(err error, timeout time.Duration) *Error {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &Error{Class: ClassTransient, Err: fmt.Errorf("timeout after %s", timeout)}
	case errors.As(err, &dnsErr):
		return &Error{Class: ClassTransient, Err: fmt.Errorf("dns: %s", dnsErr.Err)}
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invErr):
		return &Error{Class: ClassPermanent, Err: fmt.Errorf("tls: %w", err)}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &Error{Class: ClassTransient, Err: fmt.Errorf("connection: %w", opErr.Err)}
	}
	return &Error{Class: ClassTransient, Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
