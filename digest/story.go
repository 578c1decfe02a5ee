package digest

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Story is one entry of a digest: a group of reports of the same event, shown
// once. cmd builds Stories from stored items; every text field is feed text
// and is treated as hostile (escaped in HTML, stripped of control characters
// in plain text).
type Story struct {
	ID       string    `json:"id"`
	Headline string    `json:"headline"`
	Link     string    `json:"link"`
	Outlets  []string  `json:"outlets"` // feeds that carried the story or a copy of it
	Reports  int       `json:"reports"` // items in the story, copies included
	Time     time.Time `json:"time"`    // when the story was first reported
	Snippet  string    `json:"snippet"` // plain text
	Why      []string  `json:"why"`     // top rules that matched
}

// Window is the period a digest covers: items stored in [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

const (
	maxHeadline = 300 // runes
	maxSnippet  = 280 // runes
	maxWhy      = 3
)

// cleanStories returns sanitised copies of stories, ordered most reported
// first, then newest, then by id (so a digest renders the same twice).
func cleanStories(in []Story) []Story {
	out := make([]Story, 0, len(in))
	for _, s := range in {
		c := Story{
			ID:       cleanLine(s.ID, 100),
			Headline: cleanLine(s.Headline, maxHeadline),
			Link:     safeLink(s.Link),
			Reports:  max(s.Reports, 1),
			Time:     s.Time,
			Snippet:  cleanLine(s.Snippet, maxSnippet),
		}
		if c.Headline == "" {
			c.Headline = "(untitled)"
		}
		for _, o := range s.Outlets {
			if o = cleanLine(o, 80); o != "" && !slices.Contains(c.Outlets, o) {
				c.Outlets = append(c.Outlets, o)
			}
		}
		for _, w := range s.Why {
			if w = cleanLine(w, 80); w != "" && len(c.Why) < maxWhy {
				c.Why = append(c.Why, w)
			}
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Story) int {
		if c := cmp.Compare(b.Reports, a.Reports); c != 0 {
			return c
		}
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// cleanLine makes feed text safe for one line of any output: control and
// bidi-override characters go (an ANSI escape in a title must not reach a
// terminal), whitespace runs collapse to one space, and the result is cut to
// limit runes at a word boundary with an ellipsis.
func cleanLine(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), isBidiControl(r), r == '\u00AD', r == '\uFEFF':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return truncate(b.String(), limit)
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F'
}

func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == limit-1 {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > len(head)/2 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " ,;:.-") + "…"
}

// safeLink keeps absolute http(s) links only; anything else (javascript:,
// data:, relative) is dropped rather than rendered.
func safeLink(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
