package watcher

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/wirewatch/wirewatch/internal/sharedtest"
)

func TestParseSeeds(t *testing.T) {
	body, err := os.ReadFile(sharedtest.Path(t, "seeds", "seeds.rss"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseFeed(body, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 5 {
		t.Fatalf("items = %d, want 5", len(doc.Items))
	}
	for _, it := range doc.Items {
		if it.Title == "" || it.Link == "" || it.GUID == "" || it.Published.IsZero() {
			t.Errorf("item missing fields: %+v", it)
		}
		if len(it.Summary) < 1000 || strings.ContainsAny(it.Summary, "<>") {
			t.Errorf("summary of %q is not the plain article text (%d bytes)", it.Title, len(it.Summary))
		}
		if it.Published.Location() != time.UTC {
			t.Errorf("published not UTC: %v", it.Published)
		}
	}
}

const rss1252 = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Caf` + "\xe9" + `</title><ttl>45</ttl>
<skipHours><hour>1</hour><hour>2</hour></skipHours><skipDays><day>Sunday</day></skipDays>
<item><title>Caf` + "\xe9" + ` talks ` + "\x93" + `resume` + "\x94" + `</title><guid>1</guid>
<description>&lt;p&gt;Delegations met &amp;amp; agreed.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
</channel></rss>`

func TestParseCharsetFromHeader(t *testing.T) {
	doc, err := ParseFeed([]byte(rss1252), "windows-1252")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Items[0].Title, "Café talks “resume”"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := doc.Items[0].Summary, "Delegations met & agreed."; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if doc.TTL != 45*time.Minute || len(doc.SkipHours) != 2 || len(doc.SkipDays) != 1 || doc.SkipDays[0] != time.Sunday {
		t.Errorf("hints = %v %v %v", doc.TTL, doc.SkipHours, doc.SkipDays)
	}
	// Without the header the bytes are not UTF-8: a clear error, no panic.
	if _, err := ParseFeed([]byte(rss1252), ""); err == nil {
		t.Log("gofeed accepted invalid UTF-8 without a charset (tolerated)")
	}
}

func TestParseDeclaredEncodingWinsOverHeader(t *testing.T) {
	// The document declares ISO-8859-1 itself; a wrong header must not make
	// us decode twice (é would become Ã©).
	body := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>x</title><item><title>Caf` + "\xe9" + `</title><guid>1</guid></item></channel></rss>`)
	doc, err := ParseFeed(body, "windows-1252")
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Items[0].Title; got != "Café" {
		t.Errorf("title = %q, want Café", got)
	}
	enc, _ := charmap.Windows1256.NewEncoder().String("طالبان")
	body = []byte(`<rss version="2.0"><channel><title>x</title><item><title>` + enc + `</title><guid>1</guid></item></channel></rss>`)
	doc, err = ParseFeed(body, "windows-1256")
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Items[0].Title; got != "طالبان" {
		t.Errorf("windows-1256 title = %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"html page", "<!doctype html><html><body>hi</body></html>", "not a feed"},
		{"empty", "", "not a feed"},
		{"malformed xml", `<rss version="2.0"><channel><item><title>x</titl`, "parse xml feed"},
		{"bad json", `{"version": "https://jsonfeed.org/version/1.1", "items": [`, "parse json feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFeed([]byte(tt.body), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := ParseFeed([]byte("<rss/>"), "no-such-charset"); err == nil || !strings.Contains(err.Error(), "no-such-charset") {
		t.Fatalf("unknown charset err = %v", err)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "  Talks   resume \n\n today ", "Talks resume\ntoday"},
		{"entities", "Kabul &amp; Islamabad &#8211; &quot;talks&quot;", "Kabul & Islamabad – \"talks\""},
		{"blocks", "<p>One</p><p>Two<br>Three</p>", "One\nTwo\nThree"},
		{"script and style", "<style>p{}</style>A<script>var x='<p>'</script>B", "AB"},
		{"inline", "W<b>or</b>d <i>x</i>", "Word x"},
		{"attributes dropped", `<img src=x onerror="alert(1)">after`, "after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseCorpus runs every document of the shared corpus through
// ParseFeed: a failure must be an error, never a panic, and what parses
// must yield items. (Markup in summaries is not checked here: the parser
// suites deliberately carry escaped markup meant to be shown as text.)
func TestParseCorpus(t *testing.T) {
	root := sharedtest.Path(t, "corpus", "feeds")
	var files, parsed, items int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		doc, err := ParseFeed(body, "")
		if err != nil {
			return nil
		}
		parsed++
		items += len(doc.Items)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d parsed, %d items", files, parsed, items)
	if files < 1000 || parsed < files/2 {
		t.Fatalf("parsed %d of %d corpus files: the parser or the corpus is broken", parsed, files)
	}
}

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(rss1252), "windows-1252")
	f.Add([]byte(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>1</id><title>x</title><content type="html">&lt;p&gt;a&lt;/p&gt;</content></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":"<p>x</p>"}]}`), "")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00"), "utf-16")
	f.Add([]byte(`<rss version="2.0"><channel><ttl>-5</ttl><skipHours><hour>99</hour></skipHours></channel></rss>`), "iso-8859-6")
	f.Fuzz(func(t *testing.T, body []byte, cs string) {
		doc, err := ParseFeed(body, cs)
		if err != nil {
			return
		}
		for _, it := range doc.Items {
			if len(it.Summary) > MaxSummaryBytes {
				t.Fatalf("summary %d bytes over the cap", len(it.Summary))
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>x</script>y", "&amp;&#x;&#99999999;", "<style><p></style>", "a<br/>b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if strings.Contains(out, "\n\n") || strings.HasPrefix(out, " ") {
			t.Fatalf("HTMLToText(%q) = %q: not tidy", s, out)
		}
	})
}
