package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodTopic = `
[[topic]]
name = "firehose"
`

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // every line of the error, after "invalid config:"
	}{
		{
			name: "unknown top-level key",
			toml: "stor = 1\n" + goodTopic,
			want: []string{`CFG:1: unknown key "stor"`},
		},
		{
			name: "unknown nested key",
			toml: "[store]\npath = \"x.db\"\nsize = 3\n" + goodTopic,
			want: []string{`CFG:3: unknown key "store.size"`},
		},
		{
			name: "unknown feed key",
			toml: goodTopic + "\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/feed\"\nintervall = \"5m\"\n",
			want: []string{`CFG:8: unknown key "feed.intervall"`},
		},
		{
			name: "syntax error",
			toml: "[store\npath = 1\n",
			want: []string{`CFG:1:7: expected ']' to close table name`},
		},
		{
			name: "wrong type",
			toml: "[store]\npath = 5\n" + goodTopic,
			want: []string{`CFG:2:8: key "store.path": cannot decode TOML integer into struct field main.StoreConfig.Path of type string`},
		},
		{
			name: "feed problems are all listed",
			toml: goodTopic + `
[[feed]]
name = "dawn"
url = "ftp://dawn.example/feed"

[[feed]]
name = "dawn"
url = "https://dawn.example/feed"

[[feed]]
url = "https://x.example/"
`,
			want: []string{
				`CFG:7: feed[0].url: "ftp://dawn.example/feed" is not an http(s) URL`,
				`CFG:10: feed[1].name: "dawn" is used by another feed`,
				`CFG:13: feed[2].name: must not be empty`,
			},
		},
		{
			name: "no topic",
			toml: "[store]\npath = \"x.db\"\n",
			want: []string{`CFG: no [[topic]]: add one (a topic with no rules keeps every item)`},
		},
		{
			name: "bad log level and empty store path",
			toml: "[store]\npath = \"\"\n[log]\nlevel = \"loud\"\n" + goodTopic,
			want: []string{
				`CFG:2: store.path: must not be empty`,
				`CFG:4: log.level: "loud" is not one of debug, info, warn, error`,
			},
		},
		{
			name: "topic rule errors name the rule",
			toml: `
[[topic]]
name = "t"
threshold = 1.0
  [[topic.term]]
  text = "talks"
  weight = 1.0
  facet = "nope"
`,
			want: []string{`CFG:3: topic[0] "t": term[0] "talks": facet: "nope" is not declared in a [[topic.facet]] table`},
		},
		{
			name: "duplicate topics",
			toml: goodTopic + goodTopic,
			want: []string{`CFG:6: topic[1].name: "firehose" is used by another topic`},
		},
		{
			name: "missing include",
			toml: "include = [\"topics/none.toml\"]\n" + goodTopic,
			want: []string{`CFG: include "topics/none.toml": open DIR/topics/none.toml: no such file or directory`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			r := wire(t, "", "--config", path, "check")
			if r.code != exitFailure {
				t.Fatalf("code = %d, want 1; stderr %q", r.code, r.stderr)
			}
			var want []string
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "CFG", path)
				want = append(want, strings.ReplaceAll(w, "DIR", dir))
			}
			got := strings.TrimSpace(r.stderr)
			if exp := "wirewatch: invalid config:\n  " + strings.Join(want, "\n  "); got != exp {
				t.Fatalf("stderr:\n%s\nwant:\n%s", got, exp)
			}
		})
	}
}

func TestCheckBundledConfig(t *testing.T) {
	r := wire(t, "", "--config", filepath.Join("..", "..", "config.toml"), "check")
	if r.code != 0 {
		t.Fatalf("bundled config: %s", r.stderr)
	}
	for _, want := range []string{": ok", "store ", "feeds ", "afpak-talks", "poll    every 15m, backoff up to 6h", "body cap 10.0MiB", "digests 0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestIncludeAndRelativeStorePath(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "topics"), 0o755)
	os.WriteFile(filepath.Join(dir, "topics", "all.toml"), []byte(goodTopic+"\n[[feed]]\nname = \"f\"\nurl = \"https://f.example/rss\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte("include = [\"topics/all.toml\"]\n[store]\npath = \"data/ww.db\"\n"), 0o644)
	cfg, err := LoadConfig(filepath.Join(dir, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Topics) != 1 || len(cfg.Feeds) != 1 {
		t.Fatalf("include: %d topics, %d feeds", len(cfg.Topics), len(cfg.Feeds))
	}
	if got, want := cfg.StorePath(), filepath.Join(dir, "data", "ww.db"); got != want {
		t.Fatalf("store path = %q, want %q", got, want)
	}
}
