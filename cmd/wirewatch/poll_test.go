package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBadPollConfigs(t *testing.T) {
	feed := func(extra string) string {
		return goodTopic + "\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/feed\"\n" + extra
	}
	tests := []struct {
		name, toml string
		want       []string
	}{
		{"interval too short", "[poll]\ninterval = \"30s\"\n" + goodTopic,
			[]string{`CFG:2: poll.interval: 30s is outside 1m to 168h`}},
		{"bad duration", "[poll]\ntimeout = \"soon\"\n" + goodTopic,
			[]string{`CFG:2:11: key "poll.timeout": "soon" is not a duration (use e.g. "90s", "15m", "6h")`}},
		{"bad size", "[poll]\nmax_body = \"ten megs\"\n" + goodTopic,
			[]string{`CFG:2:12: key "poll.max_body": "ten megs" is not a size (use e.g. "10MiB", "512KiB")`}},
		{"limits", "[poll]\nconcurrency = 0\nper_host = 100\nmax_body = \"100\"\nshutdown_timeout = \"0s\"\n" + goodTopic,
			[]string{
				`CFG:5: poll.shutdown_timeout: 0s is outside 1s to 10m`,
				`CFG:4: poll.max_body: 100 is outside 1024 to 1073741824`,
				`CFG:2: poll.concurrency: 0 is outside 1 to 1024`,
				`CFG:3: poll.per_host: 100 is outside 1 to 64`,
			}},
		{"unknown poll key", "[poll]\nintervals = \"5m\"\n" + goodTopic,
			[]string{`CFG:2: unknown key "poll.intervals"`}},
		{"feed interval too short", feed("interval = \"10s\"\n"),
			[]string{`CFG:8: feed[0].interval: 10s is below the minimum 1m`}},
		{"feed interval and schedule", feed("interval = \"10m\"\nschedule = \"@hourly\"\n"),
			[]string{`CFG:9: feed[0]: set interval or schedule, not both`}},
		{"feed bad schedule", feed("schedule = \"CRON_TZ=UTC\"\n"),
			[]string{`CFG:8: feed[0].schedule: invalid schedule "CRON_TZ=UTC": not a cron spec (five fields or a descriptor such as @hourly, optionally after CRON_TZ=Zone and a space)`}},
		{"feed schedule too often", feed("schedule = \"@every 10s\"\n"),
			[]string{`CFG:8: feed[0].schedule: invalid schedule "@every 10s": fires more often than every 1m0s`}},
		{"missing opml", "opml = \"feeds.opml\"\n" + goodTopic,
			[]string{`CFG: opml: open DIR/feeds.opml: no such file or directory`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			r := wire(t, "", "--config", path, "check")
			var want []string
			for _, w := range tt.want {
				want = append(want, strings.ReplaceAll(strings.ReplaceAll(w, "CFG", path), "DIR", dir))
			}
			if got, exp := strings.TrimSpace(r.stderr), "wirewatch: invalid config:\n  "+strings.Join(want, "\n  "); r.code != exitFailure || got != exp {
				t.Fatalf("code %d, stderr:\n%s\nwant:\n%s", r.code, got, exp)
			}
		})
	}
}

const opmlFixture = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="News">
    <outline text="Dawn" type="rss" xmlUrl="https://www.dawn.com/feeds/home"/>
    <outline text="Dawn" type="rss" xmlUrl="https://www.dawn.com/feeds/world"/>
    <outline text="  " title="TOLO news" xmlUrl="https://tolonews.com/rss.xml"/>
    <outline text="not a feed" htmlUrl="https://example.org/"/>
    <outline text="ftp" xmlUrl="ftp://example.org/feed"/>
  </outline>
  <outline xmlUrl="https://feeds.example.org/a.xml"/>
</body></opml>`

func TestOPMLImportAndExport(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "feeds.opml"), []byte(opmlFixture), 0o644)
	cfgPath := filepath.Join(dir, "config.toml")
	os.WriteFile(cfgPath, []byte(`opml = "feeds.opml"
[[feed]]
name = "tolo"
url = "https://tolonews.com/rss.xml"
`+goodTopic), 0o644)
	r := wire(t, "", "--config", cfgPath, "feeds", "export", "--format", "opml")
	if r.code != 0 {
		t.Fatalf("export: %d %s", r.code, r.stderr)
	}
	feeds, err := parseOPML([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range feeds {
		got = append(got, f.Name+" "+f.URL)
	}
	want := []string{
		"tolo https://tolonews.com/rss.xml",
		"Dawn https://www.dawn.com/feeds/home",
		"Dawn-2 https://www.dawn.com/feeds/world",
		"feeds.example.org https://feeds.example.org/a.xml",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exported feeds:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func FuzzParseOPML(f *testing.F) {
	f.Add([]byte(opmlFixture))
	f.Add([]byte(`<opml><body><outline xmlUrl="http://a/"><outline xmlUrl="http://a/"/></outline></body></opml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><opml><body><outline text="caf` + "\xe9" + `" xmlUrl="https://x.example/"/></body></opml>`))
	f.Add([]byte(strings.Repeat("<outline>", 40)))
	f.Fuzz(func(t *testing.T, src []byte) {
		feeds, err := parseOPML(src)
		if err != nil {
			return
		}
		names := map[string]bool{}
		for _, fd := range feeds {
			if fd.Name == "" || names[fd.Name] || !(strings.HasPrefix(fd.URL, "http://") || strings.HasPrefix(fd.URL, "https://")) {
				t.Fatalf("bad feed from OPML: %+v", fd)
			}
			names[fd.Name] = true
		}
	})
}

// pollFixture serves three feeds: one good (ETag), one 404, one that moved.
func pollFixture(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var good atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) {
		good.Add(1)
		if ua, want := r.Header.Get("User-Agent"), "wirewatch/"+Version()+" (+https://github.com/wirewatch/wirewatch)"; ua != want {
			t.Errorf("User-Agent %q, want %q", ua, want)
		}
		w.Header().Set("ETag", `"g1"`)
		if r.Header.Get("If-None-Match") == `"g1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>g</title>
<item><title>Afghan and Pakistani delegations meet in Istanbul</title><link>https://example.org/1</link><guid>1</guid></item>
<item><title>Cricket: Pakistan beat Afghanistan</title><link>https://example.org/2</link><guid>2</guid></item>
</channel></rss>`)
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.Handle("/old", http.RedirectHandler("/good", http.StatusMovedPermanently))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &good
}

func pollConfig(t *testing.T, srv *httptest.Server) (cfg, db string) {
	dir := t.TempDir()
	cfg = filepath.Join(dir, "config.toml")
	src := fmt.Sprintf(`[poll]
host_spacing = "0s"
per_host = 4
[[feed]]
name = "good"
url = "%[1]s/good"
[[feed]]
name = "missing"
url = "%[1]s/missing"
[[feed]]
name = "moved"
url = "%[1]s/old"
`, srv.URL) + goodTopic
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(dir, "ww.db")
}

func TestPollAndFeeds(t *testing.T) {
	srv, _ := pollFixture(t)
	cfg, db := pollConfig(t, srv)
	r := wire(t, "", "--config", cfg, "--db", db, "poll", "--format", "json")
	if r.code != exitFailure { // "missing" failed
		t.Fatalf("poll: code %d, stderr %s", r.code, r.stderr)
	}
	var reps []pollReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil {
		t.Fatalf("poll json: %v\n%s", err, r.stdout)
	}
	got := map[string]pollReport{}
	for _, p := range reps {
		got[p.Feed] = p
	}
	if g := got["good"]; g.Result != "ok" || g.Items != 2 || g.Kept != 2 {
		t.Errorf("good: %+v", g)
	}
	if m := got["missing"]; m.Result != "failed" || m.Status != 404 || m.ErrorClass != "permanent" || m.Error != "http 404 not found" {
		t.Errorf("missing: %+v", m)
	}
	if m := got["moved"]; m.Result != "ok" || m.Moved != srv.URL+"/good" {
		t.Errorf("moved: %+v", m)
	}

	// Second round: the good feed answers 304; the failing one is backing off.
	r = wire(t, "", "--config", cfg, "--db", db, "poll", "--format", "table")
	for _, want := range []string{"not_modified", "skipped", "waiting until", "http 404 not found", "2 polled ok, 0 failed, 1 skipped"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("second poll table lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 0 {
		t.Errorf("second poll: code %d", r.code)
	}

	r = wire(t, "", "--config", cfg, "--db", db, "feeds", "--format", "json")
	var rows []feedHealthRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("feeds json: %v (%d rows)\n%s%s", err, len(rows), r.stdout, r.stderr)
	}
	for _, row := range rows {
		switch row.Name {
		case "good":
			if row.State != "ok" || row.Requests != 2 || row.NotModified != 1 || row.ConditionalHitRate != 0.5 || row.ItemsKept != 2 {
				t.Errorf("good row: %+v", row)
			}
		case "missing":
			if row.State != "failing" || row.ConsecutiveFailures != 1 || row.LastErrorClass != "permanent" || row.Backoff != "15m0s" {
				t.Errorf("missing row: %+v", row)
			}
		case "moved":
			if row.URL != srv.URL+"/good" || row.OriginalURL != srv.URL+"/old" {
				t.Errorf("moved row: %+v", row)
			}
		}
	}
	r = wire(t, "", "--config", cfg, "--db", db, "feeds", "--format", "table")
	for _, want := range []string{"FEED", "failing", "moved from " + srv.URL + "/old", "└ permanent error", "3 feeds: 2 ok, 1 failing, 0 gone, 0 new"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("feeds table lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDaemonHooksReloadAndShutdown(t *testing.T) {
	srv, _ := pollFixture(t)
	cfg, db := pollConfig(t, srv)
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, configPath: cfg, dbPath: db, now: time.Now}
	var progress atomic.Int32
	ready, stopping := make(chan struct{}), make(chan struct{})
	reloaded := make(chan error, 1)
	hooks := daemonHooks{
		Ready:     func() { close(ready) },
		Progress:  func() { progress.Add(1) },
		Reloading: func() {},
		Reloaded:  func(err error) { reloaded <- err },
		Stopping:  func() { close(stopping) },
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d, err := a.newDaemon(ctx, hooks)
	if err != nil {
		t.Fatal(err)
	}
	reload := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, reload) }()
	<-ready

	// Reload with one more feed.
	src, _ := os.ReadFile(cfg)
	extra := fmt.Sprintf("\n[[feed]]\nname = \"extra\"\nurl = \"%s/good\"\n", srv.URL)
	os.WriteFile(cfg, append(src, extra...), 0o644)
	reload <- struct{}{}
	if err := <-reloaded; err != nil {
		t.Fatalf("reload: %v", err)
	}
	if n := len(d.States()); n != 4 {
		t.Fatalf("%d feeds after reload, want 4", n)
	}
	// A broken config is rejected and the running one kept.
	os.WriteFile(cfg, []byte("[poll]\ninterval = \"1s\"\n"+goodTopic), 0o644)
	reload <- struct{}{}
	if err := <-reloaded; err == nil || !strings.Contains(err.Error(), "poll.interval") {
		t.Fatalf("broken reload: %v", err)
	}
	if n := len(d.States()); n != 4 {
		t.Fatalf("%d feeds after a rejected reload, want 4", n)
	}
	if progress.Load() == 0 {
		t.Error("Progress never called")
	}

	cancel()
	<-stopping
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Closed: the state of every feed, the reloaded one too, is in the file.
	r := wire(t, "", "--config", cfg, "--db", db, "--log-level", "error", "feeds", "--format", "json")
	if r.code != exitFailure || !strings.Contains(r.stderr, "poll.interval") {
		t.Fatalf("feeds with the broken config: %d %s", r.code, r.stderr)
	}
	os.WriteFile(cfg, append(src, extra...), 0o644)
	r = wire(t, "", "--config", cfg, "--db", db, "feeds", "--format", "json")
	var rows []feedHealthRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 4 {
		t.Fatalf("feeds after run: %v %d\n%s", err, len(rows), r.stderr)
	}
	for _, row := range rows {
		if row.NextDue.IsZero() {
			t.Errorf("%s: no due time saved at shutdown", row.Name)
		}
	}
}
