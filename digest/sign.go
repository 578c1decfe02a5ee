package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the request header that carries a digest's signature.
const SignatureHeader = "X-Wirewatch-Signature"

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock before VerifySignature rejects it as a replay.
const DefaultTolerance = 5 * time.Minute

// Errors VerifySignature returns; test them with errors.Is.
var (
	ErrSignatureMalformed = errors.New("malformed signature header")
	ErrSignatureMismatch  = errors.New("signature does not match body")
	ErrSignatureExpired   = errors.New("signature timestamp outside tolerance")
)

// Sign returns the X-Wirewatch-Signature value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a received X-Wirewatch-Signature header against the
// raw request body, the shared secret and the receiver's clock now. It
// accepts the request if any v1 value matches (several may be present while
// a secret is rotated) and the timestamp is within tolerance of now
// (tolerance <= 0 means DefaultTolerance). Receivers should also remember the
// Idempotency-Key of delivered digests: a retry carries the same key and body.
func VerifySignature(header string, body, secret []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errEmptySecret
	}
	ts, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	want := mac(secret, strconv.FormatInt(ts, 10), body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// parseSignature splits "t=...,v1=...[,v1=...]". Unknown keys are skipped so
// a later scheme (v2=) can be added without breaking old receivers.
func parseSignature(header string) (ts int64, sigs [][]byte, err error) {
	if len(header) > 4096 {
		return 0, nil, fmt.Errorf("%w: too long", ErrSignatureMalformed)
	}
	haveT := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, fmt.Errorf("%w: %q has no '='", ErrSignatureMalformed, part)
		}
		switch k {
		case "t":
			if haveT {
				return 0, nil, fmt.Errorf("%w: two timestamps", ErrSignatureMalformed)
			}
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n <= 0 || n > 1<<40 {
				return 0, nil, fmt.Errorf("%w: bad timestamp %q", ErrSignatureMalformed, v)
			}
			ts, haveT = n, true
		case "v1":
			b, herr := hex.DecodeString(v)
			if herr != nil || len(b) != sha256.Size {
				return 0, nil, fmt.Errorf("%w: bad v1 value", ErrSignatureMalformed)
			}
			sigs = append(sigs, b)
		}
	}
	if !haveT || len(sigs) == 0 {
		return 0, nil, fmt.Errorf("%w: need t= and v1=", ErrSignatureMalformed)
	}
	return ts, sigs, nil
}
