package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wirewatch/wirewatch/internal/sharedtest"
)

// result is one run of the CLI.
type result struct {
	stdout, stderr string
	code           int
}

// wire runs the CLI in-process, like main does, with its own writers.
func wire(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	code := exitCode(err, &errb)
	return result{out.String(), errb.String(), code}
}

// bundled returns flags that run against the repository's config.toml with a
// fresh database in a temp dir.
func bundled(t *testing.T) []string {
	t.Helper()
	return []string{"--config", filepath.Join("..", "..", "config.toml"), "--db", filepath.Join(t.TempDir(), "ww.db")}
}

var contractFields = []string{"id", "topics", "feed", "guid", "link", "title", "summary", "published",
	"fetched", "score", "matched", "story", "duplicate_of", "sources", "origin"}

func TestIngestSeedsKeepsAllFive(t *testing.T) {
	seeds := sharedtest.Path(t, "seeds", "seeds.rss")
	g := bundled(t)
	r := wire(t, "", append(g, "ingest", seeds)...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 5, new 5, kept 5, dropped 0, already stored 0") {
		t.Fatalf("first ingest: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = wire(t, "", append(g, "ingest", seeds)...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 5, new 0, kept 0, dropped 0, already stored 5") {
		t.Fatalf("second ingest must add nothing: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = wire(t, "", append(g, "items", "--format", "jsonl")...)
	if r.code != 0 {
		t.Fatalf("items: %d %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("items --format jsonl printed %d lines, want 5:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, f := range contractFields {
			if _, ok := m[f]; !ok {
				t.Errorf("item %v lacks contract field %q", m["id"], f)
			}
		}
		if m["story"] == "" || len(m["matched"].([]any)) == 0 || !slices.Contains(toStrings(m["topics"]), "afpak-talks") {
			t.Errorf("item %v: story %v matched %v topics %v", m["id"], m["story"], m["matched"], m["topics"])
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestHandRulesDropHardNegatives(t *testing.T) {
	g := bundled(t)
	r := wire(t, "", append(g, "ingest", filepath.Join("testdata", "negatives.rss"))...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 4, new 4, kept 0, dropped 4") {
		t.Fatalf("negatives: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Dropped items are remembered: the next ingest does not score them again.
	r = wire(t, "", append(g, "ingest", filepath.Join("testdata", "negatives.rss"))...)
	if !strings.Contains(r.stdout, "new 0, kept 0, dropped 0, already stored 4") {
		t.Fatalf("second ingest: %s", r.stdout)
	}
}

func TestItemsFiltersAndFormats(t *testing.T) {
	seeds := sharedtest.Path(t, "seeds", "seeds.rss")
	g := bundled(t)
	if r := wire(t, "", append(g, "ingest", "--feed", "tolo", seeds)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	count := func(args ...string) int {
		t.Helper()
		r := wire(t, "", append(append(g, "items", "--format", "jsonl"), args...)...)
		if r.code != 0 {
			t.Fatalf("items %v: %s", args, r.stderr)
		}
		return len(strings.Fields(strings.ReplaceAll(strings.TrimSpace(r.stdout), " ", "")))
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"all", nil, 5},
		{"feed", []string{"--feed", "tolo"}, 5},
		{"other feed", []string{"--feed", "dawn"}, 0},
		{"topic", []string{"--topic", "afpak-talks"}, 5},
		{"since date", []string{"--since", "2025-10-29"}, 3},
		{"until date", []string{"--until", "2025-10-29"}, 2},
		{"query all words", []string{"--query", "Istanbul TTP"}, 5},
		{"query missing word", []string{"--query", "Istanbul cricket"}, 0},
		{"limit", []string{"--limit", "2"}, 2},
		{"since duration from now", []string{"--since", "24h"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.args...); got != tt.want {
				t.Errorf("items %v = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
	r := wire(t, "", append(g, "items", "--format", "json")...)
	var arr []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &arr); err != nil || len(arr) != 5 {
		t.Fatalf("json: %v, %d items", err, len(arr))
	}
	r = wire(t, "", append(g, "items", "--format", "csv")...)
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.HasPrefix(rows[0], "id,published,fetched,feed,topics,score,title") {
		t.Fatalf("csv header = %q", rows[0])
	}
	r = wire(t, "", append(g, "items", "--format", "table")...)
	if !strings.HasPrefix(r.stdout, "ID") || strings.Count(r.stdout, "\n") != 6 {
		t.Fatalf("table:\n%s", r.stdout)
	}
	if r := wire(t, "", append(g, "items", "--format", "xml")...); r.code != exitUsage || !strings.Contains(r.stderr, `--format "xml"`) {
		t.Fatalf("bad format: %d %s", r.code, r.stderr)
	}
	if r := wire(t, "", append(g, "items", "--since", "yesterday")...); r.code != exitUsage {
		t.Fatalf("bad --since: %d %s", r.code, r.stderr)
	}
}

func TestShow(t *testing.T) {
	g := bundled(t)
	wire(t, "", append(g, "ingest", sharedtest.Path(t, "seeds", "seeds.rss"))...)
	r := wire(t, "", append(g, "show", "1")...)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, want := range []string{"id:", "feed:", "why it was kept: score", "afpak-talks threshold", "Istanbul"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = wire(t, "", append(g, "show", "1", "--format", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || m["id"] != "1" {
		t.Fatalf("show json: %v %v", err, m["id"])
	}
	if r := wire(t, "", append(g, "show", "99")...); r.code != exitFailure || !strings.Contains(r.stderr, "item 99: not found") {
		t.Fatalf("missing item: %d %q", r.code, r.stderr)
	}
}

func TestIngestReportsBrokenFilesAndContinues(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.xml")
	os.WriteFile(bad, []byte("<rss><channel><item><title>unterminated"), 0o644)
	html := filepath.Join(dir, "page.html")
	os.WriteFile(html, []byte("<!doctype html><html><body>not a feed</body></html>"), 0o644)
	g := bundled(t)
	r := wire(t, "", append(g, "ingest", bad, html, filepath.Join("testdata", "negatives.rss"), filepath.Join(dir, "missing.xml"))...)
	if r.code != exitFailure {
		t.Fatalf("code = %d, want 1", r.code)
	}
	for _, want := range []string{"broken.xml: error: parse xml feed", "page.html: error: parse: not a feed", "negatives.rss: feed negatives: read 4", "missing.xml: error: open"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "3 of 4 files failed") {
		t.Errorf("stderr = %q", r.stderr)
	}
	// stdin
	body, _ := os.ReadFile(filepath.Join("testdata", "negatives.rss"))
	r = wire(t, string(body), append(g, "ingest", "--feed", "piped", "-")...)
	if r.code != 0 || !strings.Contains(r.stdout, "-: feed piped: read 4, new 4") {
		t.Fatalf("stdin ingest: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestIngestWholeCorpus sends every file of the shared corpus through the
// ingest command in one run: parse failures are reported per file, nothing
// panics, every file gets its line.
func TestIngestWholeCorpus(t *testing.T) {
	root := sharedtest.Path(t, "corpus", "feeds")
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".tsv") {
			files = append(files, p)
		}
		return nil
	})
	g := bundled(t)
	r := wire(t, "", append(append(g, "ingest", "--feed", "corpus"), files...)...)
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		lines++
	}
	if lines != len(files) {
		t.Fatalf("%d output lines for %d files", lines, len(files))
	}
	if r.code != exitFailure || strings.Count(r.stdout, ": error: ") == 0 {
		t.Fatalf("the corpus has broken files on purpose; code = %d", r.code)
	}
	t.Logf("%d files, %d failed", len(files), strings.Count(r.stdout, ": error: "))
}

func TestVersionAndUsage(t *testing.T) {
	if r := wire(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "wirewatch ") {
		t.Fatalf("version: %+v", r)
	}
	if r := wire(t, "", "items", "--no-such-flag"); r.code != exitUsage {
		t.Fatalf("unknown flag: code %d", r.code)
	}
	if r := wire(t, "", "show"); r.code != exitUsage {
		t.Fatalf("missing arg: code %d", r.code)
	}
	if r := wire(t, "", "--config", filepath.Join(t.TempDir(), "nope.toml"), "check"); r.code != exitUsage || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("missing config: %d %q", r.code, r.stderr)
	}
}

func TestCommandsRegisteredOnce(t *testing.T) {
	a := &app{}
	seen := map[string]bool{}
	for _, c := range a.rootCmd().Commands() {
		if seen[c.Name()] {
			t.Errorf("command %q is registered twice", c.Name())
		}
		seen[c.Name()] = true
	}
}
