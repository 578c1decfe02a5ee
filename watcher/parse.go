package watcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"

	"github.com/wirewatch/wirewatch/match"
)

// MaxSummaryBytes caps the plain text kept per item. Full-text feeds can put
// a whole book in content:encoded; rules and fingerprints need far less.
const MaxSummaryBytes = 64 << 10

// Document is one parsed feed document, reduced to what wirewatch uses.
// gofeed's types stop here.
type Document struct {
	Title string
	// Items are normalised: trimmed fields, plain-text summaries, times in
	// UTC. Feed, Fetched and scoring fields are left for the pipeline.
	Items []match.Item
	// TTL is RSS <ttl>, zero when absent.
	TTL time.Duration
	// SkipHours (0-23, GMT) and SkipDays are RSS hints for when not to poll.
	SkipHours []int
	SkipDays  []time.Weekday
}

// ErrNotFeed is returned (wrapped) when a document is not RSS, Atom or JSON
// Feed, for example an HTML page.
var ErrNotFeed = errors.New("not a feed")

// ParseFeed parses an RSS, Atom or JSON Feed document. httpCharset is the
// charset parameter of the HTTP Content-Type ("" if none or not known): it is
// used only when the document does not declare its own encoding (XML
// declaration or byte-order mark), so nothing is ever decoded twice.
func ParseFeed(body []byte, httpCharset string) (*Document, error) {
	body, err := toUTF8(body, httpCharset)
	if err != nil {
		return nil, err
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("parse: %w (no RSS, Atom or JSON Feed root found)", ErrNotFeed)
		}
		return nil, fmt.Errorf("parse %s: %w", sniffType(body), err)
	}
	doc := &Document{Title: cleanLine(f.Title), Items: make([]match.Item, 0, len(f.Items))}
	if r, ok := f.OriginalFeed().(*rss.Feed); ok {
		doc.TTL, doc.SkipHours, doc.SkipDays = rssHints(r)
	}
	for _, fi := range f.Items {
		if fi == nil {
			continue
		}
		doc.Items = append(doc.Items, convertItem(fi))
	}
	return doc, nil
}

func convertItem(fi *gofeed.Item) match.Item {
	it := match.Item{
		GUID:  strings.TrimSpace(fi.GUID),
		Link:  strings.TrimSpace(fi.Link),
		Title: cleanLine(HTMLToText(fi.Title)),
	}
	if it.Link == "" && len(fi.Links) > 0 {
		it.Link = strings.TrimSpace(fi.Links[0])
	}
	desc, content := HTMLToText(fi.Description), HTMLToText(fi.Content)
	it.Summary = desc
	if len(content) > len(desc) {
		it.Summary = content
	}
	it.Summary = truncateUTF8(it.Summary, MaxSummaryBytes)
	switch {
	case fi.PublishedParsed != nil:
		it.Published = fi.PublishedParsed.UTC()
	case fi.UpdatedParsed != nil:
		it.Published = fi.UpdatedParsed.UTC()
	}
	return it
}

func rssHints(r *rss.Feed) (ttl time.Duration, hours []int, days []time.Weekday) {
	if n, err := strconv.Atoi(strings.TrimSpace(r.TTL)); err == nil && n > 0 {
		ttl = time.Duration(min(n, 7*24*60)) * time.Minute
	}
	for _, h := range r.SkipHours {
		if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 && n <= 24 {
			hours = append(hours, n%24)
		}
	}
	for _, d := range r.SkipDays {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if strings.EqualFold(strings.TrimSpace(d), wd.String()) {
				days = append(days, wd)
			}
		}
	}
	return ttl, hours, days
}

// toUTF8 decodes body from httpCharset when the document itself names no
// encoding. Documents with a BOM or an XML encoding declaration are left to
// the XML decoder, which honours them.
func toUTF8(body []byte, httpCharset string) ([]byte, error) {
	label := strings.ToLower(strings.TrimSpace(httpCharset))
	if isUTF16(body, label) {
		return fromUTF16(body, label)
	}
	if label == "" || label == "utf-8" || label == "utf8" || declaresEncoding(body) {
		return body, nil
	}
	r, err := charset.NewReaderLabel(label, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("charset %q from Content-Type: %w", httpCharset, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decode charset %q: %w", httpCharset, err)
	}
	return out, nil
}

// isUTF16 reports a UTF-16 document: a UTF-16 byte-order mark, or a
// UTF-16 HTTP charset. encoding/xml (and so gofeed) reads only ASCII-
// compatible encodings, so these are decoded here even when they declare
// their encoding.
func isUTF16(body []byte, label string) bool {
	return bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE}) ||
		label == "utf-16" || label == "utf-16be" || label == "utf-16le"
}

var xmlDeclEncoding = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']`)

// fromUTF16 decodes a UTF-16 document (the BOM wins over the label; no BOM
// and a plain "utf-16" label mean big-endian, RFC 2781) and rewrites its
// XML declaration to say UTF-8, so the XML decoder does not decode again.
func fromUTF16(body []byte, label string) ([]byte, error) {
	order := unicode.BigEndian
	if label == "utf-16le" {
		order = unicode.LittleEndian
	}
	out, err := unicode.UTF16(order, unicode.UseBOM).NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("decode utf-16: %w", err)
	}
	return xmlDeclEncoding.ReplaceAll(out, []byte(`${1}"UTF-8"`)), nil
}

func declaresEncoding(body []byte) bool {
	if bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE}) {
		return true
	}
	head := body[:min(len(body), 256)]
	if !bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("<?xml")) {
		return false
	}
	end := bytes.Index(head, []byte("?>"))
	return end > 0 && bytes.Contains(head[:end], []byte("encoding"))
}

func sniffType(body []byte) string {
	s := bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n\xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(s, []byte("{")):
		return "json feed"
	case bytes.HasPrefix(s, []byte("<")):
		return "xml feed"
	}
	return "document"
}

func cleanLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
