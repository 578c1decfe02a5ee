package digest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	secret, body := []byte("whsec-1"), []byte(`{"id":"d1"}`)
	now := time.Unix(1761807600, 0)
	good := Sign(secret, now, body)
	rotated := Sign([]byte("old-secret"), now, body) + ",v1=" + strings.Split(good, "v1=")[1]
	cases := []struct {
		name, header string
		body         []byte
		secret       []byte
		now          time.Time
		want         error
	}{
		{"valid", good, body, secret, now, nil},
		{"valid within tolerance", good, body, secret, now.Add(4 * time.Minute), nil},
		{"rotated secret, one v1 matches", rotated, body, secret, now, nil},
		{"tampered body", good, []byte(`{"id":"d2"}`), secret, now, ErrSignatureMismatch},
		{"wrong secret", good, body, []byte("other"), now, ErrSignatureMismatch},
		{"replayed later", good, body, secret, now.Add(6 * time.Minute), ErrSignatureExpired},
		{"from the future", good, body, secret, now.Add(-6 * time.Minute), ErrSignatureExpired},
		{"timestamp swapped", strings.Replace(good, "t=1761807600", "t=1761807601", 1), body, secret, now, ErrSignatureMismatch},
		{"empty", "", body, secret, now, ErrSignatureMalformed},
		{"no v1", "t=1761807600", body, secret, now, ErrSignatureMalformed},
		{"no t", "v1=" + strings.Repeat("ab", 32), body, secret, now, ErrSignatureMalformed},
		{"short v1", "t=1761807600,v1=abcd", body, secret, now, ErrSignatureMalformed},
		{"two t", good + ",t=1761807600", body, secret, now, ErrSignatureMalformed},
		{"junk", "t=1761807600;v1=zz", body, secret, now, ErrSignatureMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.header, tc.body, tc.secret, tc.now, 0)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("VerifySignature = %v, want %v", err, tc.want)
			}
		})
	}
	if err := VerifySignature(good, body, nil, now, 0); err == nil {
		t.Error("empty secret must not verify")
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add("t=1761807600,v1=" + strings.Repeat("0f", 32))
	f.Add("t=1,v1=00,v2=zz")
	f.Add(" t = 5 , v1=")
	f.Add("t=-1,v1=" + strings.Repeat("aa", 32))
	f.Add(",,,=")
	f.Fuzz(func(t *testing.T, header string) {
		ts, sigs, err := parseSignature(header)
		if err != nil {
			if !errors.Is(err, ErrSignatureMalformed) {
				t.Fatalf("error %v is not ErrSignatureMalformed", err)
			}
			return
		}
		if ts <= 0 || len(sigs) == 0 {
			t.Fatalf("accepted %q with ts=%d sigs=%d", header, ts, len(sigs))
		}
		for _, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("signature of %d bytes", len(s))
			}
		}
		// Verifying never panics and never accepts a header for another body.
		_ = VerifySignature(header, []byte("body"), []byte("k"), time.Unix(ts, 0), 0)
	})
}

func FuzzSignVerifyRoundTrip(f *testing.F) {
	f.Add([]byte("k"), []byte(`{"a":1}`), int64(1761807600))
	f.Add([]byte{0}, []byte{}, int64(1))
	f.Fuzz(func(t *testing.T, secret, body []byte, unix int64) {
		if len(secret) == 0 || unix <= 0 || unix > 1<<40 {
			return
		}
		now := time.Unix(unix, 0)
		h := Sign(secret, now, body)
		if err := VerifySignature(h, body, secret, now, 0); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if err := VerifySignature(h, append([]byte("x"), body...), secret, now, 0); err == nil {
			t.Fatal("signature accepted for another body")
		}
	})
}
