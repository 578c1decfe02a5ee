package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// writeSyntheticFeed writes an RSS document of n items (text generated here)
// that a firehose topic keeps entirely.
func writeSyntheticFeed(t *testing.T, path string, doc, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>synthetic</title>`)
	for i := range n {
		fmt.Fprintf(&b, "<item><guid>d%d-i%d</guid><link>https://synthetic.invalid/%d/%d</link><title>Report %d of document %d</title><description>Generated paragraph %d for crash testing, document %d.</description><pubDate>Tue, 28 Oct 2025 %02d:%02d:00 GMT</pubDate></item>",
			doc, i, doc, i, i, doc, i, doc, i%24, i%60)
	}
	b.WriteString("</channel></rss>")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestSurvivesKill9 kills a real `wirewatch ingest` process with
// SIGKILL at varying moments, then checks that the bbolt file is consistent,
// that every feed document is stored completely or not at all, and that a
// final run completes the rest without duplicates.
func TestIngestSurvivesKill9(t *testing.T) {
	bin := wirewatchBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("[store]\npath = \"ww.db\"\n[[topic]]\nname = \"all\"\n"), 0o644)
	const docs, perDoc = 40, 150
	var files []string
	for d := range docs {
		p := filepath.Join(dir, fmt.Sprintf("doc%02d.xml", d))
		writeSyntheticFeed(t, p, d, perDoc)
		files = append(files, p)
	}
	ctx := context.Background()
	for round, delay := range []time.Duration{0, 5, 10, 20, 40} {
		// Kill once the process has stored a new document (so it is
		// mid-run), a few milliseconds into the next one.
		cmd := exec.Command(bin, append([]string{"--config", cfg, "ingest"}, files...)...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for r := bufio.NewReader(stdout); ; {
			line, err := r.ReadString('\n')
			if err != nil || strings.Contains(line, "new 150") {
				break
			}
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		st, err := store.Open(filepath.Join(dir, "ww.db"), store.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if err := st.Check(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		complete := 0
		for d := range docs {
			items, err := st.Items(ctx, store.Query{Feed: fmt.Sprintf("doc%02d", d)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(items); n != 0 && n != perDoc {
				t.Fatalf("round %d: document %d has %d of %d items: a commit was torn", round, d, n, perDoc)
			} else if n == perDoc {
				complete++
			}
		}
		st.Close()
		t.Logf("round %d: killed after %v, %d of %d documents stored", round, delay*time.Millisecond, complete, docs)
	}
	out, err := exec.Command(bin, append([]string{"--config", cfg, "ingest"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("final ingest: %v\n%s", err, out)
	}
	st, err := store.Open(filepath.Join(dir, "ww.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, _ := st.Items(ctx, store.Query{})
	if len(all) != docs*perDoc {
		t.Fatalf("after the final run: %d items, want %d", len(all), docs*perDoc)
	}
}
