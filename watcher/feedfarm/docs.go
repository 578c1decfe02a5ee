package feedfarm

import (
	"bufio"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sizes of the corpus documents the farm serves: realistic news feeds.
const (
	minDocSize = 4 << 10
	maxDocSize = 160 << 10
)

// CorpusDir returns ../shared/corpus/feeds relative to the module root
// found by walking up from the working directory, or "" when absent.
func CorpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus", "feeds")
			if _, err := os.Stat(filepath.Join(c, "MANIFEST.tsv")); err == nil {
				return c
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// loadDocs reads the corpus documents gofeed parses (per MANIFEST.tsv)
// within the realistic size range. An empty dir loads nothing.
func loadDocs(dir string) ([]*doc, error) {
	if dir == "" {
		return nil, nil
	}
	mf, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("feedfarm: %w", err)
	}
	defer mf.Close()
	var docs []*doc
	sc := bufio.NewScanner(mf)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 || !strings.Contains(cols[7], "gofeed v1.4.2: OK") {
			continue
		}
		path := filepath.Join(dir, strings.TrimPrefix(cols[0], "corpus/feeds/"))
		b, err := os.ReadFile(path)
		if err != nil || len(b) < minDocSize || len(b) > maxDocSize {
			continue
		}
		docs = append(docs, &doc{plain: b, gz: gz(b), ctype: contentType(path)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("feedfarm: read manifest: %w", err)
	}
	return docs, nil
}

func contentType(path string) string {
	switch filepath.Ext(path) {
	case ".json":
		return "application/feed+json"
	case ".atom":
		return "application/atom+xml"
	}
	return "application/rss+xml"
}

var words = strings.Fields(`talks delegation ceasefire border crossing trade
minister mediators round agreement statement officials security province
market harvest weather council election court bridge railway festival
museum river budget exports imports shipping port airline clinic school`)

// generatedDocs writes n RSS documents of 20 to 50 items, ~10–40 KB each.
func generatedDocs(n int) []*doc {
	docs := make([]*doc, n)
	base := time.Date(2025, 10, 20, 6, 0, 0, 0, time.UTC)
	for d := range n {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel>")
		fmt.Fprintf(&b, "<title>Generated feed %d</title><link>https://example.org/%d/</link><description>generated</description>", d, d)
		items := 20 + d%31
		for i := range items {
			w := func(k int) string { return words[(d*7+i*13+k*5)%len(words)] }
			fmt.Fprintf(&b, "<item><title>%s %s %s in %s</title>", w(0), w(1), w(2), w(3))
			fmt.Fprintf(&b, "<link>https://example.org/%d/%d</link><guid>https://example.org/%d/%d</guid>", d, i, d, i)
			fmt.Fprintf(&b, "<pubDate>%s</pubDate><description>", base.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z))
			for k := range 60 {
				b.WriteString(html.EscapeString(w(k)))
				b.WriteByte(' ')
			}
			b.WriteString("</description></item>")
		}
		b.WriteString("</channel></rss>\n")
		plain := []byte(b.String())
		docs[d] = &doc{plain: plain, gz: gz(plain), ctype: "application/rss+xml; charset=utf-8"}
	}
	return docs
}
