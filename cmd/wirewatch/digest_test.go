package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// dgResult is one run of the CLI in-process.
type dgResult struct {
	out, errOut string
	err         error
}

func dgRun(t *testing.T, args ...string) dgResult {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return dgResult{out.String(), errOut.String(), err}
}

// dgFeed writes an RSS file (text written for these tests) whose items were
// published minutes ago, with one hostile title.
func dgFeed(t *testing.T, dir, name string, titles ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test</title><link>https://feed.example.org/</link><description>d</description>`)
	for i, title := range titles {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://feed.example.org/%s/%d</link><guid>%s-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			html.EscapeString(title), name, i, name, i, time.Now().Add(-time.Duration(i+5)*time.Minute).Format(time.RFC1123Z),
			html.EscapeString("Report number "+fmt.Sprint(i)+" on the talks between the delegations."))
	}
	b.WriteString(`</channel></rss>`)
	path := filepath.Join(dir, name+".rss")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dgConfig writes a config with a firehose topic and one json digest to url.
func dgConfig(t *testing.T, dir, url, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`[store]
path = "wirewatch.db"

[[topic]]
name = "all"

[[digest]]
name = "morning"
schedule = "0 7 * * *"
url = %q
format = "json"
to = ["reader@example.org"]
secret_env = "WW_TEST_DIGEST_SECRET"
%s
`, url, extra)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dgReceiver records requests and answers with status().
type dgReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	keys   []string
	bodies [][]byte
	status int
}

func newDgReceiver(t *testing.T, status int) *dgReceiver {
	r := &dgReceiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.keys = append(r.keys, req.Header.Get("Idempotency-Key"))
		r.bodies = append(r.bodies, body)
		st := r.status
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *dgReceiver) seen() ([]string, [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.keys...), append([][]byte(nil), r.bodies...)
}

func TestDigestCommands(t *testing.T) {
	t.Setenv("WW_TEST_DIGEST_SECRET", "s3cret-value")
	dir := t.TempDir()
	rcv := newDgReceiver(t, http.StatusServiceUnavailable)
	cfg := dgConfig(t, dir, rcv.URL, "")
	feed := dgFeed(t, dir, "wire", "Delegations meet again in Istanbul", `Talks <script>alert(1)</script> resume`)
	if r := dgRun(t, "--config", cfg, "ingest", feed); r.err != nil {
		t.Fatalf("ingest: %v\n%s%s", r.err, r.out, r.errOut)
	}

	htmlFile := filepath.Join(dir, "preview.html")
	r := dgRun(t, "--config", cfg, "digest", "preview", "morning", "--html", htmlFile)
	if r.err != nil || !strings.Contains(r.out, "Delegations meet again in Istanbul") || !strings.Contains(r.out, "2 stories") {
		t.Fatalf("preview: %v\n%s", r.err, r.out)
	}
	if h, _ := os.ReadFile(htmlFile); !bytes.Contains(h, []byte("Delegations meet again")) || bytes.Contains(h, []byte("<script")) {
		t.Errorf("preview html:\n%s", h)
	}

	// 503: not delivered, exit 1, stays pending.
	r = dgRun(t, "--config", cfg, "digest", "send", "morning")
	if code := exitCode(r.err, io.Discard); code != exitFailure || !strings.Contains(r.out, "not delivered: http 503") {
		t.Fatalf("send against 503: code %d\n%s", code, r.out)
	}
	rcv.mu.Lock()
	rcv.status = http.StatusOK
	rcv.mu.Unlock()
	r = dgRun(t, "--config", cfg, "digest", "send", "morning")
	if r.err != nil || !strings.Contains(r.out, "delivered: 2 stories") {
		t.Fatalf("send: %v\n%s", r.err, r.out)
	}
	keys, bodies := rcv.seen()
	if len(keys) != 2 || keys[0] != keys[1] || !bytes.Equal(bodies[0], bodies[1]) {
		t.Fatalf("resend differs: keys %v", keys)
	}
	r = dgRun(t, "--config", cfg, "digest", "send", "morning")
	if r.err != nil || !strings.Contains(r.out, "nothing sent") {
		t.Fatalf("third send: %v\n%s", r.err, r.out)
	}

	r = dgRun(t, "--config", cfg, "digest", "list", "--format", "json")
	var rows []digestRow
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("list json: %v\n%s", err, r.out)
	}
	if row := rows[0]; row.ID != keys[0] || row.Status != "delivered" || row.Attempts != 2 || row.Stories != 2 || row.LastStatus != 200 {
		t.Errorf("list row: %+v", row)
	}
	r = dgRun(t, "--config", cfg, "digest", "list")
	if r.err != nil || !strings.Contains(r.out, keys[0]) || !strings.Contains(r.out, "delivered") {
		t.Errorf("list table: %v\n%s", r.err, r.out)
	}
	if strings.Contains(r.out+r.errOut, "s3cret-value") {
		t.Error("secret printed")
	}
}

func TestDigestConfigErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", `name = "d"
url = "https://relay.example.org/"
colour = "red"`, []string{`config.toml:11: unknown key "digest.colour"`}},
		{"bad format and topic", `name = "d"
url = "https://relay.example.org/"
format = "smoke-signal"
topics = ["nope"]`, []string{
			`config.toml:11: digest[0].format: "smoke-signal" is not one of json, postmark, sendgrid, mailgun, resend, slack`,
			`config.toml:12: digest[0].topics: "nope" is not a configured [[topic]]`,
		}},
		{"postmark without token", `name = "d"
format = "postmark"
to = ["a@example.org"]
from = "b@example.org"`, []string{`config.toml:7: digest[0].token_file or token_env: format "postmark" needs an API token`}},
		{"both token sources", `name = "d"
url = "https://relay.example.org/"
token_file = "t"
token_env = "T"`, []string{`config.toml:12: digest[0].token_file or token_env: set one, not both`}},
		{"bad schedule", `name = "d"
url = "https://relay.example.org/"
schedule = "CRON_TZ=Mars/Olympus 0 7 * * *"`, []string{`config.toml:11: digest[0].schedule: invalid cron spec "CRON_TZ=Mars/Olympus 0 7 * * *"`}},
		{"bad retry_for", `name = "d"
url = "https://relay.example.org/"
retry_for = "a day"`, []string{`retry_for`, `is not a duration`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			src := "[store]\npath = \"w.db\"\n\n[[topic]]\nname = \"all\"\n\n[[digest]]\n# the digest under test\n" + tc.body + "\n"
			// [[digest]] is line 7 and the entry's first key line 9.
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			r := dgRun(t, "--config", path, "check")
			if r.err == nil {
				t.Fatalf("config accepted:\n%s", src)
			}
			msg := strings.ReplaceAll(r.err.Error(), dir+string(filepath.Separator), "")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n%s\nlacks %q", msg, w)
				}
			}
		})
	}
}

// TestStartDigests is the daemon's wiring: the runner sends a scheduled
// digest built from stored items, signed, and stops on Close.
func TestStartDigests(t *testing.T) {
	t.Setenv("WW_TEST_DIGEST_SECRET", "daemon-secret")
	dir := t.TempDir()
	rcv := newDgReceiver(t, http.StatusOK)
	cfgPath := dgConfig(t, dir, rcv.URL, "")
	src, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, bytes.Replace(src, []byte(`schedule = "0 7 * * *"`), []byte(`schedule = "@every 1s"`), 1), 0o644)
	feed := dgFeed(t, dir, "wire", "A report for the scheduled digest")
	if r := dgRun(t, "--config", cfgPath, "ingest", feed); r.err != nil {
		t.Fatal(r.err)
	}
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, cfg.StorePath())
	defer st.Close()
	var mu sync.Mutex
	var observed []string
	observe := func(name, result string) {
		mu.Lock()
		observed = append(observed, name+" "+result)
		mu.Unlock()
	}
	runner, err := startDigests(context.Background(), st, cfg, slogDiscard(), observe)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the receiver to have the digest and for the runner to have
	// recorded the attempt: closing between the two would cancel it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		keys, _ := rcv.seen()
		mu.Lock()
		done := len(keys) > 0 && len(observed) > 0
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduled digest never arrived or was never recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := runner.Close(); err != nil {
		t.Fatal(err)
	}
	_, bodies := rcv.seen()
	if !bytes.Contains(bodies[0], []byte("A report for the scheduled digest")) {
		t.Errorf("body: %s", bodies[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(observed) == 0 || observed[0] != "morning delivered" {
		t.Errorf("observed attempts %q, want the first to be \"morning delivered\"", observed)
	}
}

func openTestStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
