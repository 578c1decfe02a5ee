package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./digest -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (go test ./digest -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// dumpRequest renders a request for a golden file: method, path, sorted
// headers (minus the transport's Accept-Encoding), blank line, body (JSON
// indented for reading).
func dumpRequest(r request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.Path)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		if k != "Accept-Encoding" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var ind bytes.Buffer
		if json.Indent(&ind, r.Body, "", "  ") == nil {
			b.Write(ind.Bytes())
			b.WriteString("\n")
			return b.Bytes()
		}
	}
	b.Write(r.Body)
	return b.Bytes()
}

func TestPresetRequests(t *testing.T) {
	cases := []struct {
		format, path string
		status       int
		check        func(t *testing.T, r request)
	}{
		{FormatJSON, "/hooks/digest", 200, checkJSON},
		{FormatPostmark, "/email", 200, checkPostmark},
		{FormatSendGrid, "/v3/mail/send", 202, checkSendGrid},
		{FormatMailgun, "/v3/mg.example.org/messages", 200, checkMailgun},
		{FormatResend, "/emails", 200, checkResend},
		{FormatSlack, "/services/T000/B000/XXXX", 200, checkSlack},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			rcv := newReceiver(t, tc.status)
			d := testDefinition(t, tc.format, rcv.URL+tc.path)
			clk := newClock(t0)
			st := openStore(t, tempDB(t))
			defer st.Close()
			p := NewProcessor(st, &stories{list: fixtureStories()}, ProcessorOptions{Now: clk.Now, NewID: fixedID})
			rec, ok, err := p.Send(context.Background(), d)
			if err != nil || !ok {
				t.Fatalf("Send: ok=%v err=%v", ok, err)
			}
			if rec.Status != "delivered" {
				t.Fatalf("status %q, want delivered", rec.Status)
			}
			reqs := rcv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if got := r.Header.Get("Idempotency-Key"); got != rec.ID {
				t.Errorf("Idempotency-Key %q, want %q", got, rec.ID)
			}
			if err := VerifySignature(r.Header.Get(SignatureHeader), r.Body, []byte("whsec-SECRET-456"), t0, 0); err != nil {
				t.Errorf("signature: %v", err)
			}
			if !bytes.Equal(r.Body, rec.Body) {
				t.Error("sent body differs from the outbox payload")
			}
			tc.check(t, r)
			golden(t, "request-"+tc.format+".golden", dumpRequest(r))
		})
	}
}

func decodeJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode body: %v\n%s", err, body)
	}
}

func checkJSON(t *testing.T, r request) {
	var b genericBody
	decodeJSON(t, r.Body, &b)
	if b.Subject == "" || b.HTML == "" || b.Text == "" || len(b.Stories) != 2 || b.Stories[0].ID != "41" || len(b.To) != 1 {
		t.Errorf("json body incomplete: %+v", b)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-SECRET-123" {
		t.Errorf("Authorization %q", got)
	}
}

func checkPostmark(t *testing.T, r request) {
	var b postmarkBody
	decodeJSON(t, r.Body, &b)
	if b.From == "" || b.To != "Reader <reader@example.com>" || b.HTMLBody == "" || b.TextBody == "" || b.MessageStream != "outbound" {
		t.Errorf("postmark body incomplete: %+v", b)
	}
	if got := r.Header.Get("X-Postmark-Server-Token"); got != "tok-SECRET-123" {
		t.Errorf("X-Postmark-Server-Token %q", got)
	}
	if r.Header.Get("Accept") != "application/json" {
		t.Error("postmark needs Accept: application/json")
	}
}

func checkSendGrid(t *testing.T, r request) {
	var b sendgridBody
	decodeJSON(t, r.Body, &b)
	if len(b.Personalizations) != 1 || len(b.Personalizations[0].To) != 1 || b.Personalizations[0].To[0].Email != "reader@example.com" {
		t.Errorf("personalizations: %+v", b.Personalizations)
	}
	if b.From.Email != "digest@example.org" || b.From.Name != "wirewatch" {
		t.Errorf("from: %+v", b.From)
	}
	if len(b.Content) != 2 || b.Content[0].Type != "text/plain" || b.Content[1].Type != "text/html" {
		t.Errorf("content must be text/plain then text/html: %+v", b.Content)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-SECRET-123" {
		t.Errorf("Authorization %q", got)
	}
}

func checkMailgun(t *testing.T, r request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("content type %q: %v", r.Header.Get("Content-Type"), err)
	}
	form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"from", "to", "subject", "text", "html", "h:X-Wirewatch-Digest"} {
		if len(form.Value[k]) != 1 || form.Value[k][0] == "" {
			t.Errorf("form field %q = %q", k, form.Value[k])
		}
	}
	req, _ := http.NewRequest("POST", "/", nil)
	req.Header = r.Header
	user, pass, ok := req.BasicAuth()
	if !ok || user != "api" || pass != "tok-SECRET-123" {
		t.Errorf("basic auth %q %q %v", user, pass, ok)
	}
}

func checkResend(t *testing.T, r request) {
	var b resendBody
	decodeJSON(t, r.Body, &b)
	if b.From == "" || len(b.To) != 1 || b.HTML == "" || b.Text == "" || b.Subject == "" {
		t.Errorf("resend body incomplete: %+v", b)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-SECRET-123" {
		t.Errorf("Authorization %q", got)
	}
}

func checkSlack(t *testing.T, r request) {
	var b slackBody
	decodeJSON(t, r.Body, &b)
	if !strings.Contains(b.Text, "<https://news.example.org/2025/10/29/talks-end|Talks between Kabul") {
		t.Errorf("slack text lacks a linked headline:\n%s", b.Text)
	}
	if r.Header.Get("Authorization") != "" {
		t.Error("slack webhooks take no Authorization header")
	}
}
