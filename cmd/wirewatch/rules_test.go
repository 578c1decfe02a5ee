package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirewatch/wirewatch/internal/sharedtest"
)

func TestLearnPrintsTopicFromSeeds(t *testing.T) {
	seeds, err := filepath.Glob(filepath.Join(sharedtest.Dir(t), "seeds", "*.txt"))
	if err != nil || len(seeds) == 0 {
		t.Skip("no seed articles")
	}
	args := append([]string{"learn", "--name", "learned", "--negative", filepath.Join("testdata", "negatives.rss")}, seeds...)
	r := wire(t, "", args...)
	if r.code != 0 {
		t.Fatalf("learn: code %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"[[topic]]", `name = "learned"`, "[[topic.facet]]", "[[topic.entity]]", "[[topic.term]]", "TTP", "Khawaja Muhammad Asif"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("learn output lacks %q", want)
		}
	}
	if !strings.Contains(r.stderr, "margin") {
		t.Errorf("learn did not print the margin: %s", r.stderr)
	}
	// The output is a config fragment: include it and check it.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "learned.toml"), []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("include = [\"learned.toml\"]\n[store]\npath = \"x.db\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := wire(t, "", "--config", cfg, "check"); r.code != 0 {
		t.Fatalf("check of learned topic: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	again := wire(t, "", args...)
	if again.stdout != r.stdout {
		t.Error("learn is not deterministic")
	}
}

func TestLearnUsage(t *testing.T) {
	if r := wire(t, "", "learn", "x.txt"); r.code != exitUsage || !strings.Contains(r.stderr, "--name is required") {
		t.Fatalf("code %d stderr %s", r.code, r.stderr)
	}
}

func TestExplainStoredItemFileAndStdin(t *testing.T) {
	g := bundled(t)
	if r := wire(t, "", append(g, "ingest", sharedtest.Path(t, "seeds", "seeds.rss"))...); r.code != 0 {
		t.Fatalf("ingest: %s%s", r.stdout, r.stderr)
	}
	r := wire(t, "", append(g, "explain", "1")...)
	if r.code != 0 || !strings.Contains(r.stdout, `topic "afpak-talks": KEEP`) || !strings.Contains(r.stdout, "facet \"talks\"") {
		t.Fatalf("explain 1: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = wire(t, "", append(g, "explain", filepath.Join("testdata", "negatives.rss"))...)
	if r.code != 0 || strings.Count(r.stdout, "DROP") != 4 {
		t.Fatalf("explain negatives.rss: want 4 drops, code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = wire(t, "Afghanistan beat Pakistan in T20\nRashid Khan took three wickets in Sharjah.\n", append(g, "explain", "--topic", "afpak-talks", "-")...)
	if r.code != 0 || !strings.Contains(r.stdout, "negative:cricket") || !strings.Contains(r.stdout, "DROP") {
		t.Fatalf("explain stdin: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wire(t, "", append(g, "explain", "--topic", "nope", "1")...); r.code != exitUsage || !strings.Contains(r.stderr, `--topic "nope": no such topic`) {
		t.Fatalf("unknown topic: code %d %s", r.code, r.stderr)
	}
	if r := wire(t, "", append(g, "explain", "999")...); r.code != exitFailure {
		t.Fatalf("missing item: code %d %s", r.code, r.stderr)
	}
}

func TestEvalShippedLabels(t *testing.T) {
	labels := filepath.Join("..", "..", "match", "testdata", "afpak-talks-labels.jsonl")
	r := wire(t, "", append(bundled(t), "eval", "--topic", "afpak-talks", "--min-f1", "0.9", labels)...)
	if r.code != 0 || !strings.Contains(r.stdout, "precision") || !strings.Contains(r.stdout, "F1") {
		t.Fatalf("eval: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"text":"x","label":3}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = wire(t, "", append(bundled(t), "eval", "--topic", "afpak-talks", bad)...)
	if r.code != exitFailure || !strings.Contains(r.stderr, "bad.jsonl:1: label: 3 is not 0 or 1") {
		t.Fatalf("bad labels: code %d %s", r.code, r.stderr)
	}
}

func TestRescoreDryRunThenApply(t *testing.T) {
	g := bundled(t)
	if r := wire(t, "", append(g, "ingest", sharedtest.Path(t, "seeds", "seeds.rss"))...); r.code != 0 {
		t.Fatalf("ingest: %s%s", r.stdout, r.stderr)
	}
	r := wire(t, "", append(g, "rescore")...)
	if r.code != 0 || !strings.Contains(r.stdout, "rescored 5 items: 0 would change") {
		t.Fatalf("rescore with unchanged rules: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Raise the bar: the same topic with an impossible threshold.
	src, err := os.ReadFile(filepath.Join("..", "..", "topics", "afpak-talks.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	strict := strings.Replace(string(src), "threshold = 8.0", "threshold = 500.0", 1)
	if err := os.WriteFile(filepath.Join(dir, "t.toml"), []byte(strict), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("include = [\"t.toml\"]\n[store]\npath = \"x.db\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g2 := []string{"--config", cfg, "--db", g[3]}
	r = wire(t, "", append(g2, "rescore", "--since", "3650d")...)
	if r.code != 0 || !strings.Contains(r.stdout, "5 would change (run with --apply to write)") || strings.Count(r.stdout, "\n- ") != 4 {
		t.Fatalf("dry run: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wire(t, "", append(g2, "items", "--topic", "afpak-talks", "--format", "jsonl")...); strings.Count(r.stdout, "\n") != 5 {
		t.Fatalf("dry run wrote: %s", r.stdout)
	}
	r = wire(t, "", append(g2, "rescore", "--apply")...)
	if r.code != 0 || !strings.Contains(r.stdout, "5 changed") {
		t.Fatalf("apply: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wire(t, "", append(g2, "items", "--topic", "afpak-talks", "--format", "jsonl")...); strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("after apply, items --topic still lists: %s", r.stdout)
	}
	if r := wire(t, "", append(g2, "rescore")...); !strings.Contains(r.stdout, "0 would change") {
		t.Fatalf("second rescore: %s", r.stdout)
	}
}
