package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// A made-up wire report and a republished copy of it (fixture text written
// for this test).
const wireText = `Negotiators from Kabul and Islamabad met for a fourth day in Istanbul on Tuesday, officials said.
The Qatari and Turkish mediators said both delegations had agreed to keep the truce in place while they study a written mechanism for monitoring it along the border.
A spokesman for the Pakistani delegation said it would return home to consult its leadership before any further round is held in the city.`

func seedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ww.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2025, 10, 28, 9, 0, 0, 0, time.UTC)
	orig := match.Item{Feed: "wire", GUID: "w1", Link: "https://wire.example/1", Title: "Istanbul talks enter fourth day",
		Summary: "ISTANBUL (AFP) - " + wireText, Published: t0, Topics: []string{"afpak"}}
	cp := match.Item{Feed: "daily", GUID: "d1", Link: "https://daily.example/1", Title: "Truce holds as talks go on",
		Summary:   "This post was originally published on this site.\nBy Staff Reporter\n" + wireText + "\nRead more: Rupee steadies",
		Published: t0.Add(2 * time.Hour), Topics: []string{"afpak"}}
	for _, it := range []match.Item{orig, cp} {
		if _, err := st.Commit(context.Background(), store.Batch{Kept: []match.Item{it}}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("wirewatch %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

func TestItemsHideCopiesByDefault(t *testing.T) {
	db := seedStore(t)
	var items []match.Item
	if err := json.Unmarshal([]byte(runCLI(t, "--db", db, "items", "--format", "json")), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != "1" || len(items[0].Sources) != 1 || items[0].Sources[0].Feed != "daily" || items[0].Origin != "AFP" {
		t.Fatalf("items = %+v, want the canonical with one source and origin AFP", items)
	}
	all := runCLI(t, "--db", db, "items", "--copies", "--format", "jsonl")
	if n := strings.Count(all, "\n"); n != 2 || !strings.Contains(all, `"duplicate_of":"1"`) {
		t.Fatalf("items --copies:\n%s", all)
	}
	story := runCLI(t, "--db", db, "items", "--story", "1", "--copies", "--format", "csv")
	if n := strings.Count(story, "\n"); n < 3 {
		t.Fatalf("items --story 1 --copies:\n%s", story)
	}
}

func TestStoriesCommand(t *testing.T) {
	db := seedStore(t)
	var stories []store.Story
	if err := json.Unmarshal([]byte(runCLI(t, "--db", db, "stories", "--format", "json")), &stories); err != nil {
		t.Fatal(err)
	}
	if len(stories) != 1 || stories[0].Reports != 2 || strings.Join(stories[0].Outlets, ",") != "wire,daily" || stories[0].Origin != "AFP" {
		t.Fatalf("stories = %+v", stories)
	}
	table := runCLI(t, "--db", db, "stories", "--format", "table")
	if !strings.Contains(table, "wire,daily") || !strings.Contains(table, "Istanbul talks enter fourth day") {
		t.Errorf("table:\n%s", table)
	}
	if out := runCLI(t, "--db", db, "stories", "--since", "2025-11-01", "--format", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("stories --since after the story: %s", out)
	}
}

func TestExplainDupAndShow(t *testing.T) {
	db := seedStore(t)
	out := runCLI(t, "--db", db, "explain", "--dup", "2")
	for _, want := range []string{"candidate 1: copy", "containment 1.000 >= 0.500", "verdict: copy of 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain --dup 2 lacks %q:\n%s", want, out)
		}
	}
	var why store.DupExplanation
	if err := json.Unmarshal([]byte(runCLI(t, "--db", db, "explain", "--dup", "2", "--dup-format", "json")), &why); err != nil {
		t.Fatal(err)
	}
	if why.DuplicateOf != "1" || len(why.Decisions) != 1 || why.Decisions[0].Containment != 1 || why.Dedup.MinContainment != 0.5 {
		t.Errorf("explain --dup 2 as JSON = %+v", why)
	}
	out = runCLI(t, "--db", db, "explain", "--dup", "1")
	if !strings.Contains(out, "started story 1") {
		t.Errorf("explain --dup 1:\n%s", out)
	}
	show := runCLI(t, "--db", db, "show", "1")
	if !strings.Contains(show, "copies (1):") || !strings.Contains(show, "https://daily.example/1") {
		t.Errorf("show 1:\n%s", show)
	}
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"--db", db, "explain"}, strings.NewReader(""), &bytes.Buffer{}, &errb); err == nil {
		t.Error("explain without --dup succeeded")
	}
}

// TestWithDupFlagWrapsAnotherExplain: an explain command with its own
// arguments and RunE keeps them, and gains the --dup path.
func TestWithDupFlagWrapsAnotherExplain(t *testing.T) {
	db := seedStore(t)
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &bytes.Buffer{}, dbPath: db, now: time.Now}
	cmd := a.withDupFlag(&cobra.Command{
		Use:  "explain ID",
		Args: positional(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error { out.WriteString("rules for " + args[0]); return nil },
	})
	cmd.SetArgs([]string{"7"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || out.String() != "rules for 7" {
		t.Fatalf("without --dup: %q, %v", out.String(), err)
	}
	out.Reset()
	cmd.SetArgs([]string{"--dup", "2"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || !strings.Contains(out.String(), "verdict: copy of 1") {
		t.Fatalf("with --dup: %q, %v", out.String(), err)
	}
	cmd.SetArgs([]string{"--dup", "2", "extra"})
	if err := cmd.ExecuteContext(context.Background()); err == nil {
		t.Fatal("--dup with an argument accepted")
	}
}
