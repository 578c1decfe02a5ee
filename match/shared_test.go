package match

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// sharedDir finds ../shared next to the module root (the directory holding
// go.mod, found by walking up from the test's directory) and skips the test
// when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found; cannot locate ../shared")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "seeds", "seeds.rss")); err != nil {
		t.Skipf("shared test data not found at %s (expected ../shared next to the module root): %v", shared, err)
	}
	return shared
}

// article is one real text read from ../shared at test time.
type article struct {
	Name      string // seed file stem or dataset/feed label
	Title     string
	Text      string
	Published time.Time
}

type rssDoc struct {
	Items []struct {
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		Description string `xml:"description"`
		PubDate     string `xml:"pubDate"`
	} `xml:"channel>item"`
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// plain strips tags and decodes entities the way the watcher's parser does,
// well enough for test input.
func plain(s string) string {
	return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(s, " ")))
}

// loadSeeds returns the five seed articles from seeds.rss, in file order
// (000..004).
func loadSeeds(t testing.TB) []article {
	t.Helper()
	items := loadRSS(t, filepath.Join(sharedDir(t), "seeds", "seeds.rss"))
	if len(items) != 5 {
		t.Fatalf("seeds.rss: %d items, want 5", len(items))
	}
	for i := range items {
		items[i].Name = strings.TrimPrefix(items[i].Name, "https://seeds.invalid/")
	}
	return items
}

func loadRSS(t testing.TB, path string) []article {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc rssDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([]article, 0, len(doc.Items))
	for _, it := range doc.Items {
		pub, _ := time.Parse(time.RFC1123Z, strings.TrimSpace(it.PubDate))
		out = append(out, article{Name: it.Link, Title: plain(it.Title), Text: plain(it.Description), Published: pub})
	}
	return out
}

// loadDataset returns the real news items of corpus/feeds/datasets (JSON
// Lines: title, description, date_published, link), one per link.
func loadDataset(t testing.TB) []article {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir(t), "corpus", "feeds", "datasets", "*", "*", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Skipf("no dataset files under ../shared/corpus/feeds/datasets: %v", err)
	}
	sort.Strings(files)
	seen := make(map[string]bool)
	var out []article
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec struct {
				Title, Description, Link string
				DatePublished            string `json:"date_published"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if seen[rec.Link] {
				continue
			}
			seen[rec.Link] = true
			pub, _ := time.Parse(time.RFC3339, rec.DatePublished)
			out = append(out, article{Name: rec.Link, Title: plain(rec.Title), Text: plain(rec.Description), Published: pub})
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return out
}

// loadNewsFeeds returns items of a few real English news feeds of the corpus
// (UTF-8 RSS 2.0 that encoding/xml reads as is).
func loadNewsFeeds(t testing.TB) []article {
	t.Helper()
	root := filepath.Join(sharedDir(t), "corpus", "feeds")
	var out []article
	for _, rel := range []string{
		"rss-parser/guardian.rss",
		"rsparser/livemint.xml",
		"news/times-of-india/toi_topstories_2025-03-31.xml",
	} {
		p := filepath.Join(root, rel)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		out = append(out, loadRSS(t, p)...)
	}
	return out
}

// distinctArticles is every real text usable as a distinct article: seeds,
// dataset items and news feed items with at least minWords canonical words,
// one per link and canonical text.
func distinctArticles(t testing.TB, minWords int) []article {
	t.Helper()
	all := append(loadSeeds(t), loadDataset(t)...)
	all = append(all, loadNewsFeeds(t)...)
	seen := make(map[string]bool)
	var out []article
	for _, a := range all {
		key := strings.Join(CanonicalWords(a.Text), " ")
		if len(CanonicalWords(a.Text)) < minWords || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}
