package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wirewatch/wirewatch/store"
)

// waitLimit is a safety net against a hung test, not a speed assertion.
const waitLimit = 30 * time.Second

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines.
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

// notifyRecorder is a fake systemd: a unixgram socket in NOTIFY_SOCKET
// that records every datagram.
type notifyRecorder struct{ msgs chan string }

func listenNotify(t *testing.T) *notifyRecorder {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	r := &notifyRecorder{msgs: make(chan string, 4096)}
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

// next returns the next datagram carrying line (and the ones skipped).
func (r *notifyRecorder) next(t *testing.T, line string) (string, []string) {
	t.Helper()
	return r.until(t, line, func(m string) bool { return hasLine(m, line) })
}

// nextContaining returns the next datagram containing s.
func (r *notifyRecorder) nextContaining(t *testing.T, s string) (string, []string) {
	t.Helper()
	return r.until(t, s, func(m string) bool { return strings.Contains(m, s) })
}

func (r *notifyRecorder) until(t *testing.T, line string, found func(string) bool) (string, []string) {
	t.Helper()
	var skipped []string
	timeout := time.After(waitLimit)
	for {
		select {
		case m, ok := <-r.msgs:
			if !ok {
				t.Fatalf("notify socket closed while waiting for %s", line)
			}
			if found(m) {
				return m, skipped
			}
			skipped = append(skipped, m)
		case <-timeout:
			if len(skipped) > 10 {
				skipped = skipped[len(skipped)-10:]
			}
			t.Fatalf("no %s from the daemon; last seen %q", line, skipped)
		}
	}
}

// fakeScheduler stands in for the poller: it calls Ready, then Progress on
// every heartbeat, like the poll loop.
type fakeScheduler struct {
	svc   *service
	every time.Duration
	ready chan struct{}
}

func (f *fakeScheduler) Run(ctx context.Context) error {
	f.svc.ObservePoll(pollEvent{Feed: "one", Result: resultOK, Status: 200, Duration: 30 * time.Millisecond, Bytes: 1234, Time: time.Now()})
	f.svc.Ready()
	close(f.ready)
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			f.svc.Progress()
		}
	}
}

// testDaemon is serveDaemon running in this process with a fakeScheduler.
type testDaemon struct {
	parts    daemonParts
	log      *syncBuffer
	reloaded chan *Config
	cancel   context.CancelFunc
	done     chan error
	stopped  bool
}

func startTestDaemon(t *testing.T, cfgPath string) *testDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	td := &testDaemon{log: &syncBuffer{}, reloaded: make(chan *Config, 8), cancel: cancel, done: make(chan error, 1)}
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: td.log, configPath: cfgPath, now: time.Now}
	parts := make(chan daemonParts, 1)
	ready := make(chan struct{})
	go func() {
		td.done <- a.serveDaemon(ctx, func(_ context.Context, d daemonParts) (scheduler, reloadFunc, error) {
			parts <- d
			return &fakeScheduler{svc: d.svc, every: 20 * time.Millisecond, ready: ready},
				func(_ context.Context, cfg *Config) error { td.reloaded <- cfg; return nil }, nil
		})
	}()
	select {
	case td.parts = <-parts:
	case err := <-td.done:
		t.Fatalf("daemon did not start: %v\n%s", err, td.log)
	}
	<-ready
	t.Cleanup(func() {
		if !td.stopped {
			td.stop(t)
		}
	})
	return td
}

// stop cancels the daemon's root context (SIGTERM in main) and waits.
func (td *testDaemon) stop(t *testing.T) {
	t.Helper()
	td.stopped = true
	td.cancel()
	select {
	case err := <-td.done:
		if err != nil {
			t.Fatalf("daemon returned %v\n%s", err, td.log)
		}
	case <-time.After(waitLimit):
		t.Fatal("daemon did not stop")
	}
}

// writeTestConfig writes a config with the given feeds and a firehose
// topic, its database beside it, and returns its path.
func writeTestConfig(t *testing.T, dir string, feeds []string, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[store]\npath = \"ww.db\"\n[daemon]\nstall = \"1s\"\n")
	b.WriteString(extra)
	for _, f := range feeds {
		fmt.Fprintf(&b, "\n[[feed]]\nname = %q\nurl = \"http://127.0.0.1:9/%s.xml\"\n", f, f)
	}
	b.WriteString("\n[[topic]]\nname = \"all\"\n")
	b.WriteString("\n[[digest]]\nname = \"morning\"\nschedule = \"0 7 * * *\"\nto = [\"desk@example.test\"]\nfrom = \"wirewatch@example.test\"\nurl = \"http://127.0.0.1:9/hook\"\nformat = \"json\"\n")
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs one wirewatch command and returns stdout and the error report
// main would print, with the exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestNotifySequenceAndReload(t *testing.T) {
	rec := listenNotify(t)
	t.Setenv("WATCHDOG_USEC", "200000") // pings every 100ms
	t.Setenv("WATCHDOG_PID", "")
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, []string{"one"}, "")
	td := startTestDaemon(t, cfg)

	rec.next(t, "READY=1")
	rec.next(t, "WATCHDOG=1")

	// SIGHUP with a feed added: applied.
	writeTestConfig(t, dir, []string{"one", "two"}, "")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rec.next(t, "RELOADING=1")
	rec.next(t, "READY=1")
	select {
	case got := <-td.reloaded:
		if len(got.Feeds) != 2 || got.Feeds[1].Name != "two" {
			t.Fatalf("reload applied feeds %+v, want one and two", got.Feeds)
		}
	default:
		t.Fatal("READY=1 after RELOADING=1 but the new config was not applied")
	}
	if n := len(td.parts.svc.cfg.Load().Feeds); n != 2 {
		t.Fatalf("service config has %d feeds after reload, want 2", n)
	}

	// SIGHUP with a broken config: rejected, the old one stays.
	if err := os.WriteFile(cfg, []byte("[store]\npath = \"ww.db\"\nbogus = 1\n[[topic]]\nname = \"all\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rec.next(t, "RELOADING=1")
	msg, _ := rec.next(t, "READY=1")
	if !strings.Contains(msg, "last reload rejected") || !strings.Contains(msg, `unknown key "store.bogus"`) {
		t.Fatalf("STATUS after a rejected reload = %q", msg)
	}
	select {
	case got := <-td.reloaded:
		t.Fatalf("a broken config was applied: %+v", got)
	default:
	}
	if n := len(td.parts.svc.cfg.Load().Feeds); n != 2 {
		t.Fatalf("service config has %d feeds after a rejected reload, want the old 2", n)
	}
	if !strings.Contains(td.log.String(), "reload rejected") {
		t.Fatalf("rejected reload not logged:\n%s", td.log)
	}

	td.stop(t)
	rec.next(t, "STOPPING=1")
}

func TestWedgedLoopStopsWatchdog(t *testing.T) {
	rec := listenNotify(t)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", "")
	t.Setenv(wedgeEnv, "3")
	cfg := writeTestConfig(t, t.TempDir(), []string{"one"}, "[http]\nlisten = \"127.0.0.1:0\"\n")
	td := startTestDaemon(t, cfg)
	rec.next(t, "READY=1")
	rec.next(t, "WATCHDOG=1")
	if code := healthz(t, td); code != http.StatusOK {
		t.Fatalf("/healthz = %d while healthy", code)
	}
	// The fourth Progress wedges the loop; after the stall limit the
	// status says so, and later ticks carry no more pings.
	rec.nextContaining(t, "POLL LOOP STALLED")
	for range 3 {
		_, skipped := rec.nextContaining(t, "POLL LOOP STALLED")
		for _, m := range skipped {
			if hasLine(m, "WATCHDOG=1") {
				t.Fatalf("watchdog ping %q sent while the loop is wedged", m)
			}
		}
	}
	if code := healthz(t, td); code != http.StatusServiceUnavailable {
		t.Fatalf("/healthz = %d while wedged, want 503", code)
	}
	if !strings.Contains(td.log.String(), "poll loop stalled") {
		t.Fatalf("stall not logged:\n%s", td.log)
	}
}

func healthz(t *testing.T, td *testDaemon) int {
	t.Helper()
	resp, err := http.Get("http://" + td.parts.svc.webAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCLISameOutputWithAndWithoutDaemon runs the read commands against a
// running daemon (through the socket) and against the stopped one (the
// file), and compares every byte of output and the exit codes.
func TestCLISameOutputWithAndWithoutDaemon(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, []string{"one"}, "")
	fixture := filepath.Join("testdata", "service", "talks.rss")
	commands := [][]string{
		{"items", "--format", "json"},
		{"items", "--format", "jsonl", "--feed", "talks"},
		{"items", "--format", "csv", "--query", "istanbul"},
		{"items", "--format", "table", "--limit", "2", "--since", "2025-10-27", "--until", "2025-10-28T12:00:00Z"},
		{"items", "--format", "json", "--feed", "nobody"},
		{"show", "1"},
		{"show", "2", "--format", "json"},
		{"show", "999"},
		{"show", "abc"},
		{"digest", "list", "--format", "json"},
		{"digest", "list"},
		{"explain", "1"},
		{"rescore"},
	}
	type result struct {
		out, err string
		code     int
	}
	runAll := func() []result {
		var rs []result
		for _, c := range commands {
			out, errs, code := cli(t, append([]string{"--config", cfg}, c...)...)
			rs = append(rs, result{out, errs, code})
		}
		return rs
	}

	td := startTestDaemon(t, cfg)
	out, errs, code := cli(t, "--config", cfg, "ingest", fixture)
	if code != 0 || !strings.Contains(out, "read 3, new 3, kept 3") {
		t.Fatalf("ingest through the daemon: %d %q %q", code, out, errs)
	}
	if !strings.Contains(td.log.String(), "ingested through the socket") {
		t.Fatalf("ingest did not go through the daemon:\n%s", td.log)
	}
	live := runAll()
	if out, errs, code := cli(t, "--config", cfg, "rescore", "--apply"); code != 0 || !strings.Contains(td.log.String(), "scores updated through the socket") {
		t.Fatalf("rescore --apply through the daemon: exit %d %q %q", code, out, errs)
	}
	out, errs, code = cli(t, "--config", cfg, "digest", "preview", "morning", "--since", "2025-10-01")
	if code != 0 || !strings.Contains(out, "Delegations meet again in Istanbul") {
		t.Fatalf("digest preview through the daemon: exit %d %q %q", code, out, errs)
	}
	td.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "ww.db.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file left after shutdown: %v", err)
	}
	stopped := runAll()
	for i, c := range commands {
		if live[i] != stopped[i] {
			t.Errorf("%v differs:\n--- daemon (exit %d)\n%s%s\n--- file (exit %d)\n%s%s", c,
				live[i].code, live[i].out, live[i].err, stopped[i].code, stopped[i].out, stopped[i].err)
		}
	}
	if !strings.Contains(live[0].out, "Delegations meet again in Istanbul") || live[7].code != exitFailure {
		t.Fatalf("unexpected answers: %q, show 999 exit %d", live[0].out, live[7].code)
	}
	// Ingest again without the daemon: the file path, same counts.
	out, _, _ = cli(t, "--config", cfg, "ingest", fixture)
	if !strings.Contains(out, "read 3, new 0, kept 0, dropped 0, already stored 3") {
		t.Fatalf("second ingest = %q", out)
	}
}

func TestBackupOfLiveDaemon(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, []string{"one"}, "")
	td := startTestDaemon(t, cfg)
	if _, errs, code := cli(t, "--config", cfg, "ingest", filepath.Join("testdata", "service", "talks.rss")); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	out, errs, code := cli(t, "--config", cfg, "backup", dst)
	if code != 0 || !strings.Contains(out, "through the daemon") {
		t.Fatalf("backup: exit %d %q %q", code, out, errs)
	}
	st, err := store.Open(dst, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	items, err := st.Items(context.Background(), store.Query{})
	st.Close()
	if err != nil || len(items) != 3 {
		t.Fatalf("backup has %d items (%v), want 3", len(items), err)
	}
	if _, _, code := cli(t, "--config", cfg, "backup", dst); code == 0 {
		t.Fatal("backup over an existing file must fail")
	}
	td.stop(t)
	dst2 := filepath.Join(t.TempDir(), "backup2.db")
	out, errs, code = cli(t, "--config", cfg, "backup", dst2)
	if code != 0 || !strings.Contains(out, "from the database file") {
		t.Fatalf("backup of a stopped daemon: exit %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(dst2 + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("backup left its .partial file")
	}
}

func TestStaleSocketAndLockedMessage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTestConfig(t, dir, []string{"one"}, "")
	sock := filepath.Join(dir, "ww.db.sock")
	// A crashed daemon's socket: the file stays, nobody listens.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	td := startTestDaemon(t, cfg)
	if out, errs, code := cli(t, "--config", cfg, "items", "--format", "json"); code != 0 || out != "[]\n" {
		t.Fatalf("items through a daemon started over a stale socket: %d %q %q", code, out, errs)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode = %v, %v; want 0600", fi.Mode(), err)
	}
	td.stop(t)

	// The database held by a process that serves no socket.
	st, err := store.Open(filepath.Join(dir, "ww.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, errs, code := cli(t, "--config", cfg, "items", "--format", "json")
	want := fmt.Sprintf("database locked by PID %d, socket not answering at %s", os.Getpid(), sock)
	if code != exitFailure || !strings.Contains(errs, want) {
		t.Fatalf("locked database: exit %d, stderr %q; want %q", code, errs, want)
	}
}

func TestMetricsParse(t *testing.T) {
	cfg := writeTestConfig(t, t.TempDir(), []string{"one"}, "[http]\nlisten = \"127.0.0.1:0\"\n")
	td := startTestDaemon(t, cfg)
	if _, errs, code := cli(t, "--config", cfg, "ingest", filepath.Join("testdata", "service", "talks.rss")); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	resp, err := http.Get("http://" + td.parts.svc.webAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{
		"wirewatch_fetches_total", "wirewatch_fetch_duration_seconds", "wirewatch_fetch_bytes_total",
		"wirewatch_items_total", "wirewatch_stories_total", "wirewatch_feeds_failing", "wirewatch_feeds",
		"wirewatch_last_successful_poll_timestamp_seconds", "wirewatch_poll_loop_last_pass_timestamp_seconds",
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
	if got := fams["wirewatch_fetches_total"].GetMetric()[0].GetCounter().GetValue(); got != 1 {
		t.Fatalf("wirewatch_fetches_total = %v, want 1", got)
	}
}
