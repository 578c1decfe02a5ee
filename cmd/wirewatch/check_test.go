package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSummary: check prints the poll, daemon and http settings, each
// feed's own cadence, and each digest, without its secrets.
func TestCheckSummary(t *testing.T) {
	t.Setenv("RUNTIME_DIRECTORY", "")
	t.Setenv("WW_CHECK_TOKEN", "tok-check-SECRET")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	src := `[store]
path = "ww.db"
[daemon]
socket_group = "wirewatch"
stall = "2m"
[http]
listen = "127.0.0.1:9465"
[poll]
interval = "20m"
max_backoff = "3h"
timeout = "15s"
max_body = "2MiB"
concurrency = 8
per_host = 2
host_spacing = "500ms"
[[feed]]
name = "plain"
url = "https://plain.example/rss"
[[feed]]
name = "hourly"
url = "https://hourly.example/rss"
interval = "1h"
[[feed]]
name = "cron"
url = "https://cron.example/rss"
schedule = "CRON_TZ=Asia/Karachi 0 6-22 * * *"
[[topic]]
name = "all"
[[topic]]
name = "talks"
[[digest]]
name = "morning"
schedule = "0 7 * * *"
topics = ["talks"]
format = "postmark"
to = ["a@example.org", "b@example.org"]
from = "ww@example.org"
token_env = "WW_CHECK_TOKEN"
[[digest]]
name = "adhoc"
url = "https://relay.example.org/hook"
`
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wire(t, "", "--config", cfg, "check")
	if r.code != 0 {
		t.Fatalf("check: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"daemon  socket " + filepath.Join(dir, "ww.db.sock") + " (mode 0660, group wirewatch), stall after 2m\n",
		"http    127.0.0.1:9465: /metrics, /healthz\n",
		"poll    every 20m, backoff up to 3h; 8 fetches at a time, 2 per host 500ms apart\n",
		"        timeout 15s, body cap 2.0MiB, shutdown after 10s\n",
		"  plain                    https://plain.example/rss\n",
		"  hourly                   https://hourly.example/rss  (every 1h)\n",
		"  cron                     https://cron.example/rss  (schedule \"CRON_TZ=Asia/Karachi 0 6-22 * * *\")\n",
		"digests 2\n",
		"  morning                  postmark, schedule \"0 7 * * *\", topics talks, 2 recipient(s)\n",
		"  adhoc                    json, no schedule (wirewatch digest send adhoc), all topics, 0 recipient(s)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "SECRET") {
		t.Errorf("summary prints a secret:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "\n"); n > 25 {
		t.Errorf("summary of 3 feeds is %d lines, want one screen", n)
	}
}
