package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wirewatch/wirewatch/store"
)

// waitLimit is a safety net against a hung test, not a speed assertion.
const waitLimit = 60 * time.Second

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// notifyRecorder is a fake systemd: a unixgram socket for NOTIFY_SOCKET
// that records every datagram in order.
type notifyRecorder struct {
	path string
	msgs chan string
}

func listenNotify(t *testing.T) *notifyRecorder {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := &notifyRecorder{path: path, msgs: make(chan string, 4096)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(r.msgs)
				return
			}
			r.msgs <- string(buf[:n])
		}
	}()
	return r
}

// hasLine reports whether a notify datagram carries the assignment line.
func hasLine(msg, line string) bool {
	for _, l := range strings.Split(msg, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// next returns the next datagram carrying line, and those skipped.
func (r *notifyRecorder) next(t *testing.T, line string) (string, []string) {
	t.Helper()
	return r.until(t, line, func(m string) bool { return hasLine(m, line) })
}

// nextContaining returns the next datagram containing s, and those skipped.
func (r *notifyRecorder) nextContaining(t *testing.T, s string) (string, []string) {
	t.Helper()
	return r.until(t, s, func(m string) bool { return strings.Contains(m, s) })
}

func (r *notifyRecorder) until(t *testing.T, what string, found func(string) bool) (string, []string) {
	t.Helper()
	var skipped []string
	timeout := time.After(waitLimit)
	for {
		select {
		case m, ok := <-r.msgs:
			if !ok {
				t.Fatalf("notify socket closed while waiting for %s", what)
			}
			if found(m) {
				return m, skipped
			}
			skipped = append(skipped, m)
		case <-timeout:
			if len(skipped) > 10 {
				skipped = skipped[len(skipped)-10:]
			}
			t.Fatalf("no %s from the daemon; last seen %q", what, skipped)
		}
	}
}

// feedServer serves /NAME.xml as a small RSS document per feed name;
// /slow.xml answers only when the test ends. hits receives each path
// served.
func feedServer(t *testing.T) (*httptest.Server, chan string) {
	t.Helper()
	hits := make(chan string, 1024)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow.xml", func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(r.PathValue("name"), ".xml")
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%[1]s</title>
<item><title>%[1]s: envoys meet in Doha</title><link>http://example.test/%[1]s/1</link><guid>%[1]s-1</guid><pubDate>Sat, 18 Oct 2025 10:00:00 +0000</pubDate></item>
<item><title>%[1]s: talks resume in Istanbul</title><link>http://example.test/%[1]s/2</link><guid>%[1]s-2</guid><pubDate>Sat, 25 Oct 2025 10:00:00 +0000</pubDate></item>
</channel></rss>`, name)
		hits <- r.URL.Path
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv, hits
}

// writeTestConfig writes config.toml in dir: the given feeds (served by
// base, "" for an unreachable address), a firehose topic, the database
// beside it, and extra TOML before the feeds.
func writeTestConfig(t *testing.T, dir, base string, feeds []string, extra string) string {
	t.Helper()
	if base == "" {
		base = "http://127.0.0.1:9"
	}
	var b strings.Builder
	b.WriteString("[store]\npath = \"ww.db\"\n[daemon]\nstall = \"10s\"\n[poll]\nshutdown_timeout = \"1s\"\nhost_spacing = \"0s\"\nper_host = 4\n")
	b.WriteString(extra)
	for _, f := range feeds {
		fmt.Fprintf(&b, "\n[[feed]]\nname = %q\nurl = \"%s/%s.xml\"\n", f, base, f)
	}
	b.WriteString("\n[[topic]]\nname = \"all\"\n")
	b.WriteString("\n[[digest]]\nname = \"morning\"\nschedule = \"0 7 * * *\"\nto = [\"desk@example.test\"]\nfrom = \"wirewatch@example.test\"\nurl = \"http://127.0.0.1:9/hook\"\nformat = \"json\"\n")
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// dueSoon stores feed states that make the daemon poll these feeds right
// after it starts (a restart keeps stored due times), instead of at a
// random moment within the first-poll spread. The margin covers a slow
// start of the daemon on a loaded machine: a due time already past when
// the daemon starts is spread like a first poll.
func dueSoon(t *testing.T, db, base string, feeds ...string) {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range feeds {
		u := fmt.Sprintf("%s/%s.xml", base, f)
		fs := store.FeedState{Name: f, URL: u, OriginalURL: u, NextDue: time.Now().Add(1500 * time.Millisecond)}
		if err := st.PutFeedStates(context.Background(), fs); err != nil {
			t.Fatal(err)
		}
	}
}

// cli runs one wirewatch command in this process and returns its stdout,
// what main would print on stderr, and the exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// daemonProc is `wirewatch run` in a child process with a fake systemd.
type daemonProc struct {
	cmd    *exec.Cmd
	log    *syncBuffer
	notify *notifyRecorder
	done   chan error
}

func startDaemonProc(t *testing.T, bin, cfg string, env ...string) *daemonProc {
	t.Helper()
	p := &daemonProc{log: &syncBuffer{}, notify: listenNotify(t), done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "--config", cfg, "run")
	p.cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+p.notify.path, "WATCHDOG_USEC=1000000")
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", p.log)
		}
	})
	return p
}

// signal sends sig to the daemon.
func (p *daemonProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the daemon to exit and returns its exit code.
func (p *daemonProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(waitLimit):
		t.Fatal("daemon did not exit")
		return -1
	}
}

// logged waits until the daemon's log matches re and returns the first
// submatch.
func (p *daemonProc) logged(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.log.String()); m != nil {
			return m[len(m)-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("daemon never logged %s", re)
	return ""
}

// waitHits waits until the feed server served every one of paths.
func waitHits(t *testing.T, hits chan string, paths ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	timeout := time.After(waitLimit)
	for len(want) > 0 {
		select {
		case p := <-hits:
			delete(want, p)
		case <-timeout:
			t.Fatalf("never polled: %v", want)
		}
	}
}

// readCommands are the queries compared between a running and a stopped
// daemon.
var readCommands = [][]string{
	{"items", "--format", "json"},
	{"items", "--format", "jsonl", "--feed", "talks"},
	{"items", "--format", "csv", "--query", "istanbul"},
	{"items", "--format", "table", "--limit", "2", "--since", "2025-10-27", "--until", "2025-10-28T12:00:00Z"},
	{"items", "--format", "json", "--feed", "nobody"},
	{"show", "1"},
	{"show", "2", "--format", "json"},
	{"show", "999"},
	{"show", "abc"},
	{"feeds", "--format", "json"},
	{"digest", "list", "--format", "json"},
	{"digest", "list"},
	{"explain", "1"},
	{"explain", "--dup", "3"},
	{"explain", "--dup", "3", "--dup-format", "json"},
	{"stories", "--format", "json"},
	{"stories", "--format", "table", "--since", "2025-10-26"},
	{"items", "--format", "json", "--story", "1", "--copies"},
	{"rescore"},
}

type cliResult struct {
	out, err string
	code     int
}

func runReadCommands(t *testing.T, cfg string) []cliResult {
	t.Helper()
	var rs []cliResult
	for _, c := range readCommands {
		out, errs, code := cli(t, append([]string{"--config", cfg}, c...)...)
		rs = append(rs, cliResult{out, errs, code})
	}
	return rs
}

// TestDaemon runs the real binary under a fake systemd and checks, in one
// daemon's life: READY, WATCHDOG, the CLI through the socket (queries,
// ingest, backup), /metrics, SIGHUP adding a feed, a broken config on
// SIGHUP keeping the old one, STOPPING and exit 0 on SIGTERM with a poll
// in flight, and that every query prints the same bytes once it stopped.
func TestDaemon(t *testing.T) {
	bin := wirewatchBinary(t)
	srv, hits := feedServer(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "ww.db")
	cfg := writeTestConfig(t, dir, srv.URL, []string{"one", "slow"}, "[http]\nlisten = \"127.0.0.1:0\"\n")
	dueSoon(t, db, srv.URL, "one", "slow")
	// A crashed daemon's socket: the file stays, nobody listens.
	sock := db + ".sock"
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()

	p := startDaemonProc(t, bin, cfg)
	p.notify.next(t, "READY=1")
	p.notify.next(t, "WATCHDOG=1")
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket = %v, %v; want a socket with mode 0600", fi, err)
	}
	waitHits(t, hits, "/one.xml", "/slow.xml") // slow stays in flight until shutdown

	out, errs, code := cli(t, "--config", cfg, "ingest", filepath.Join("testdata", "service", "talks.rss"))
	if code != 0 || !strings.Contains(out, "read 3, new 3, kept 3") {
		t.Fatalf("ingest through the daemon: %d %q %q", code, out, errs)
	}
	p.logged(t, regexp.MustCompile(`ingested through the socket`))

	metricsAddr := p.logged(t, regexp.MustCompile(`metrics listening.* addr=(\S+)`))
	checkMetrics(t, metricsAddr)

	dst := filepath.Join(t.TempDir(), "backup.db")
	if out, errs, code := cli(t, "--config", cfg, "backup", dst); code != 0 || !strings.Contains(out, "through the daemon") {
		t.Fatalf("backup: exit %d %q %q", code, out, errs)
	}
	checkBackup(t, dst)

	// SIGHUP with a feed and a digest added: both take effect.
	hook := make(chan string, 16)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hook <- r.Header.Get("Idempotency-Key")
	}))
	defer rcv.Close()
	evening := fmt.Sprintf("[[digest]]\nname = \"evening\"\nschedule = \"@every 1s\"\nto = [\"desk@example.test\"]\nfrom = \"ww@example.test\"\nurl = %q\nformat = \"json\"\nsend_empty = true\n", rcv.URL)
	writeTestConfig(t, dir, srv.URL, []string{"one", "slow", "two"}, "[http]\nlisten = \"127.0.0.1:0\"\n"+evening)
	p.signal(t, syscall.SIGHUP)
	p.notify.next(t, "RELOADING=1")
	p.notify.next(t, "READY=1")
	if names := daemonFeeds(t, db); names != "one,slow,two" {
		t.Fatalf("feeds after reload = %s, want one,slow,two", names)
	}
	select {
	case key := <-hook:
		if key == "" {
			t.Fatal("the added digest arrived without an Idempotency-Key")
		}
	case <-time.After(waitLimit):
		t.Fatal("the digest added by the reload was never delivered")
	}
	waitDigestMetric(t, metricsAddr, "evening", "delivered")
	// SIGHUP with the digest removed again: it stops. noon (no schedule,
	// a receiver that refuses) is for `digest send` through the daemon.
	noon := "[[digest]]\nname = \"noon\"\nto = [\"desk@example.test\"]\nfrom = \"ww@example.test\"\nurl = \"http://127.0.0.1:9/hook\"\nformat = \"json\"\nsend_empty = true\n"
	writeTestConfig(t, dir, srv.URL, []string{"one", "slow", "two"}, "[http]\nlisten = \"127.0.0.1:0\"\n"+noon)
	good, _ := os.ReadFile(cfg)
	p.signal(t, syscall.SIGHUP)
	p.notify.next(t, "RELOADING=1")
	p.notify.next(t, "READY=1")

	// SIGHUP with a broken config: rejected, the old one stays.
	if err := os.WriteFile(cfg, []byte("[store]\npath = \"ww.db\"\nbogus = 1\n[[topic]]\nname = \"all\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.signal(t, syscall.SIGHUP)
	p.notify.next(t, "RELOADING=1")
	msg, _ := p.notify.next(t, "READY=1")
	if !strings.Contains(msg, `last reload rejected: `+cfg+`:3: unknown key "store.bogus"`) {
		t.Fatalf("STATUS after a rejected reload = %q", msg)
	}
	if names := daemonFeeds(t, db); names != "one,slow,two" {
		t.Fatalf("feeds after a rejected reload = %s, want the old one,slow,two", names)
	}
	if err := os.WriteFile(cfg, good, 0o600); err != nil {
		t.Fatal(err)
	}

	liveSend := sendNoon(t, cfg) // first: the read commands then see its outbox entry both ways
	live := runReadCommands(t, cfg)
	if out, errs, code := cli(t, "--config", cfg, "rescore", "--apply"); code != 0 {
		t.Fatalf("rescore --apply through the daemon: exit %d %q %q", code, out, errs)
	}
	p.logged(t, regexp.MustCompile(`scores updated through the socket`))
	out, errs, code = cli(t, "--config", cfg, "digest", "preview", "morning", "--since", "2025-10-01")
	if code != 0 || !strings.Contains(out, "Delegations meet again in Istanbul") {
		t.Fatalf("digest preview through the daemon: exit %d %q %q", code, out, errs)
	}

	p.signal(t, syscall.SIGTERM)
	p.notify.next(t, "STOPPING=1")
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	if !strings.Contains(p.log.String(), "cancelling polls in flight at the shutdown deadline") {
		t.Fatalf("the slow poll was not cancelled at the shutdown deadline:\n%s", p.log)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file left after shutdown: %v", err)
	}

	stopped := runReadCommands(t, cfg)
	stoppedSend := sendNoon(t, cfg)
	if liveSend != stoppedSend {
		t.Errorf("digest send differs:\n--- daemon (exit %d)\n%s%s\n--- file (exit %d)\n%s%s",
			liveSend.code, liveSend.out, liveSend.err, stoppedSend.code, stoppedSend.out, stoppedSend.err)
	}
	if liveSend.code != exitFailure || !strings.Contains(liveSend.out, "not delivered") {
		t.Errorf("digest send to a closed port through the daemon: exit %d %q %q", liveSend.code, liveSend.out, liveSend.err)
	}
	for i, c := range readCommands {
		if live[i] != stopped[i] {
			t.Errorf("%v differs:\n--- daemon (exit %d)\n%s%s\n--- file (exit %d)\n%s%s", c,
				live[i].code, live[i].out, live[i].err, stopped[i].code, stopped[i].out, stopped[i].err)
		}
	}
	if !strings.Contains(live[0].out, "Delegations meet again in Istanbul") || !strings.Contains(live[0].out, "one: envoys meet in Doha") {
		t.Fatalf("items through the daemon miss the ingested or polled items:\n%s", live[0].out)
	}
	if live[7].code != exitFailure || !strings.Contains(live[7].err, "item 999: not found") {
		t.Fatalf("show 999 through the daemon: exit %d %q", live[7].code, live[7].err)
	}
}

// rfc3339 matches the times digest send prints (window, next retry),
// which differ between two sends of the same pending digest.
var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// sendNoon runs `digest send noon` (its receiver refuses connections) and
// returns the result with times blanked.
func sendNoon(t *testing.T, cfg string) cliResult {
	t.Helper()
	out, errs, code := cli(t, "--config", cfg, "digest", "send", "noon")
	return cliResult{rfc3339.ReplaceAllString(out, "TIME"), rfc3339.ReplaceAllString(errs, "TIME"), code}
}

// daemonFeeds asks the running daemon for its configured feeds.
func daemonFeeds(t *testing.T, db string) string {
	t.Helper()
	c, err := dialAPI(context.Background(), db+".sock", db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	states, err := c.FeedStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range states {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

func checkBackup(t *testing.T, path string) {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer st.Close()
	if err := st.Check(context.Background()); err != nil {
		t.Fatalf("backup check: %v", err)
	}
	items, err := st.Items(context.Background(), store.Query{Feed: "talks"})
	if err != nil || len(items) != 3 {
		t.Fatalf("backup has %d items of feed talks (%v), want 3", len(items), err)
	}
}

// checkMetrics waits until /metrics shows a fetch, then parses it with
// the Prometheus text parser.
func checkMetrics(t *testing.T, addr string) {
	t.Helper()
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(waitLimit)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err = p.TextToMetricFamilies(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("/metrics does not parse: %v\n%s", err, body)
		}
		if fams["wirewatch_fetches_total"] != nil && fams["wirewatch_items_total"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no fetch in /metrics:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, name := range []string{
		"wirewatch_fetch_duration_seconds", "wirewatch_fetch_bytes_total", "wirewatch_stories_total",
		"wirewatch_feeds_failing", "wirewatch_feeds", "wirewatch_last_successful_poll_timestamp_seconds",
		"wirewatch_poll_loop_last_pass_timestamp_seconds", "go_goroutines",
	} {
		if fams[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}
	kept := 0.0
	for _, m := range fams["wirewatch_items_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["feed"] == "talks" && labels["topic"] == "all" && labels["outcome"] == outcomeKept {
			kept = m.GetCounter().GetValue()
		}
	}
	if kept != 3 {
		t.Fatalf("wirewatch_items_total{feed=talks,topic=all,outcome=kept} = %v, want 3", kept)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d while polling, want 200", resp.StatusCode)
	}
}

// waitDigestMetric waits until /metrics counts a delivery attempt of
// digest with result.
func waitDigestMetric(t *testing.T, addr, digest, result string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("/metrics does not parse: %v", err)
		}
		for _, m := range fams["wirewatch_digest_deliveries_total"].GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["digest"] == digest && labels["result"] == result && m.GetCounter().GetValue() >= 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no wirewatch_digest_deliveries_total{digest=%q,result=%q} in /metrics:\n%s", digest, result, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDaemonWedgedLoop wedges the real poll loop (test knob) and checks
// that watchdog pings stop, /healthz fails, and SIGTERM still exits 0.
func TestDaemonWedgedLoop(t *testing.T) {
	bin := wirewatchBinary(t)
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, "", []string{"one"}, "[http]\nlisten = \"127.0.0.1:0\"\n")
	p := startDaemonProc(t, bin, cfg, wedgeEnv+"=2")
	p.notify.next(t, "READY=1")
	p.notify.next(t, "WATCHDOG=1")
	addr := p.logged(t, regexp.MustCompile(`metrics listening.* addr=(\S+)`))
	// Once the stall limit passes the status says so; the ticks after
	// carry no ping.
	p.notify.nextContaining(t, "POLL LOOP STALLED")
	for range 3 {
		_, skipped := p.notify.nextContaining(t, "POLL LOOP STALLED")
		for _, m := range skipped {
			if hasLine(m, "WATCHDOG=1") {
				t.Fatalf("watchdog ping %q sent while the loop is wedged", m)
			}
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "stalled") {
		t.Fatalf("/healthz while wedged = %d %q, want 503 stalled", resp.StatusCode, body)
	}
	p.logged(t, regexp.MustCompile(`poll loop stalled`))
	p.signal(t, syscall.SIGTERM)
	p.notify.next(t, "STOPPING=1")
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

func TestLockedDatabaseMessage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, "", []string{"one"}, "")
	// The database held by a process that serves no socket.
	st, err := store.Open(filepath.Join(dir, "ww.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, errs, code := cli(t, "--config", cfg, "items", "--format", "json")
	want := fmt.Sprintf("database locked by PID %d, socket not answering at %s", os.Getpid(), filepath.Join(dir, "ww.db.sock"))
	if code != exitFailure || !strings.Contains(errs, want) {
		t.Fatalf("locked database: exit %d, stderr %q; want %q", code, errs, want)
	}
}
