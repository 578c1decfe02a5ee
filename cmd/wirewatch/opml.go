package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html/charset"
)

// opmlDoc is the part of OPML 2.0 wirewatch reads and writes: outlines
// with an xmlUrl are feeds, others are folders.
type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// maxOPMLDepth bounds folder nesting (and so recursion on hostile input).
const maxOPMLDepth = 16

// parseOPML returns the feeds of an OPML document: every outline with an
// http(s) xmlUrl, named by its text (or title, or host) made unique.
func parseOPML(src []byte) ([]FeedConfig, error) {
	var doc opmlDoc
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.CharsetReader = charset.NewReaderLabel
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("opml: %w", err)
	}
	var out []FeedConfig
	used := map[string]int{}
	var walk func(list []opmlOutline, depth int) error
	walk = func(list []opmlOutline, depth int) error {
		if depth > maxOPMLDepth {
			return fmt.Errorf("opml: outlines nested deeper than %d", maxOPMLDepth)
		}
		for _, o := range list {
			if u, err := url.Parse(strings.TrimSpace(o.XMLURL)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				name := opmlName(o, u)
				used[name]++
				if n := used[name]; n > 1 {
					name = fmt.Sprintf("%s-%d", name, n)
				}
				out = append(out, FeedConfig{Name: name, URL: u.String()})
			}
			if err := walk(o.Outlines, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc.Body, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func opmlName(o opmlOutline, u *url.URL) string {
	for _, s := range []string{o.Text, o.Title, u.Host} {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			return s
		}
	}
	return u.String()
}

// writeOPML writes feeds as an OPML 2.0 subscription list.
func writeOPML(w io.Writer, title string, feeds []FeedConfig) error {
	doc := opmlDoc{Version: "2.0", Title: title}
	for _, f := range feeds {
		doc.Body = append(doc.Body, opmlOutline{Text: f.Name, Title: f.Name, Type: "rss", XMLURL: f.URL})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
