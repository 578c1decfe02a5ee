package match

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/htmlindex"
)

// corpusDoc is one item read from ../shared/corpus/feeds.
type corpusDoc struct {
	Source string // path under corpus/feeds
	ID     string // dataset item id, or "" for feed items
	Title  string
	Text   string
}

// manifestFiles lists corpus files of the given kinds from MANIFEST.tsv.
func manifestFiles(t testing.TB, shared string, kinds ...string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(shared, "corpus", "feeds", "MANIFEST.tsv"))
	if err != nil {
		t.Skipf("corpus manifest not readable: %v", err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) < 6 {
			continue
		}
		for _, k := range kinds {
			if f[5] == k {
				out = append(out, strings.TrimPrefix(f[0], "corpus/feeds/"))
			}
		}
	}
	return out
}

// newsDocs reads every item of the corpus's news feeds and datasets.
func newsDocs(t testing.TB, shared string) []corpusDoc {
	return corpusDocs(t, shared, "news-feed", "dataset")
}

// corpusDocs reads every distinct item of the corpus files of the given kinds.
func corpusDocs(t testing.TB, shared string, kinds ...string) []corpusDoc {
	t.Helper()
	var docs []corpusDoc
	seen := map[string]bool{}
	for _, rel := range manifestFiles(t, shared, kinds...) {
		path := filepath.Join(shared, "corpus", "feeds", rel)
		if strings.HasSuffix(rel, ".jsonl") {
			docs = append(docs, readDataset(t, path, rel)...)
			continue
		}
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		items, err := xmlItems(body)
		if err != nil {
			continue // a few corpus files are deliberately broken
		}
		for _, it := range items {
			if seen[it.Title+"\x00"+it.Text] {
				continue
			}
			seen[it.Title+"\x00"+it.Text] = true
			it.Source = rel
			docs = append(docs, it)
		}
	}
	return docs
}

func readDataset(t testing.TB, path, rel string) []corpusDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []corpusDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d struct {
			ID          json.Number `json:"id"`
			Title       *string     `json:"title"`
			Description *string     `json:"description"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		doc := corpusDoc{Source: rel, ID: d.ID.String()}
		if d.Title != nil {
			doc.Title = html.UnescapeString(*d.Title)
		}
		if d.Description != nil {
			doc.Text = html.UnescapeString(*d.Description)
		}
		docs = append(docs, doc)
	}
	return docs
}

// xmlItems pulls title and description-like text out of RSS/Atom/RDF items.
func xmlItems(body []byte) ([]corpusDoc, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, fmt.Errorf("charset %q: %w", label, err)
		}
		return enc.NewDecoder().Reader(r), nil
	}
	var docs []corpusDoc
	var cur *corpusDoc
	var field string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "item", "entry":
				cur = &corpusDoc{}
			case "title", "description", "summary", "content", "encoded":
				if cur != nil {
					field = e.Name.Local
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "item", "entry":
				if cur != nil {
					cur.Title = stripTags(cur.Title)
					cur.Text = stripTags(cur.Text)
					docs = append(docs, *cur)
				}
				cur = nil
			case "title", "description", "summary", "content", "encoded":
				field = ""
			}
		case xml.CharData:
			if cur == nil || field == "" {
				continue
			}
			if field == "title" {
				cur.Title += string(e)
			} else {
				cur.Text += string(e) + " "
			}
		}
	}
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}
