package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A copy variant is what a republisher makes of a wire report: the same
// text under another headline, wrapped in the site's boilerplate, trimmed,
// with typography and whitespace changed and links to other stories
// inserted. variants builds them from a real article, deterministically.

type variant struct {
	Kind  string
	Title string
	Text  string
}

var (
	headerLines = [][]string{
		{"This post was originally published on this site."},
		{"By Staff Reporter", "Updated: Oct 29, 2025 10:15 PM IST"},
		{"Share:", "Audio Loading voice…"},
		{"Web Desk", "Published on 29 Oct 2025, 08:30 am"},
		{"news.desk", "Wed, 10/29/2025 – 09:12"},
	}
	footerLines = [][]string{
		{"Read more: Markets close higher as rupee steadies"},
		{"Follow us on Twitter and Facebook", "Copyright 2025 Daily Example. All rights reserved."},
		{"Be the first to comment"},
		{"(With inputs from agencies)", "Share this article"},
		{"The post " + "Talks stall" + " appeared first on Example News."},
	}
	readMoreLines = []string{
		"Read more: Flood warnings issued for northern districts",
		"Also read: Cricket board names new selection committee",
		"READ MORE: Fuel prices to stay unchanged this fortnight",
		"Also Read | Court adjourns hearing in land case",
	}
	headlines = []string{
		"Talks end without a deal, officials say",
		"BREAKING: Negotiations stall after days of meetings",
		"What we know so far",
		"Delegations return home as dialogue breaks down",
	}
)

// paragraphs splits text into non-empty lines.
func paragraphs(text string) []string {
	var out []string
	for l := range strings.Lines(text) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// trim removes up to a third of the text's paragraphs (from the end, the
// start or the middle); a one-paragraph text loses its last third of words
// and ends with an ellipsis, as feed excerpts do.
func trim(r *rand.Rand, paras []string) []string {
	if len(paras) < 3 {
		words := strings.Fields(strings.Join(paras, " "))
		keep := len(words) - len(words)/3
		return []string{strings.Join(words[:keep], " ") + "…"}
	}
	drop := 1 + r.IntN(max(1, len(paras)/3))
	switch r.IntN(3) {
	case 0:
		return paras[:len(paras)-drop]
	case 1:
		return paras[drop:]
	default:
		i := 1 + r.IntN(len(paras)-drop-1)
		return append(append([]string{}, paras[:i]...), paras[i+drop:]...)
	}
}

var (
	curly    = strings.NewReplacer("\"", "“", "'", "’")
	straight = strings.NewReplacer("“", "\"", "”", "\"", "‘", "'", "’", "'", "–", "-", "—", "-")
)

// swapQuotes makes curly quotes straight or straight ones curly.
func swapQuotes(text string) string {
	if s := straight.Replace(text); s != text {
		return s
	}
	return curly.Replace(text)
}

func insertReadMore(r *rand.Rand, paras []string) []string {
	out := make([]string, 0, len(paras)+2)
	for i, p := range paras {
		out = append(out, p)
		if i < len(paras)-1 && r.IntN(2) == 0 {
			out = append(out, readMoreLines[r.IntN(len(readMoreLines))])
		}
	}
	if len(paras) == 1 {
		out = append(out, readMoreLines[r.IntN(len(readMoreLines))])
	}
	return out
}

func whitespace(r *rand.Rand, paras []string) string {
	switch r.IntN(3) {
	case 0: // flattened HTML: one line
		return strings.Join(paras, "  ")
	case 1: // Windows line ends, blank lines, indentation
		return "\r\n  " + strings.Join(paras, " \r\n\r\n\t") + "\r\n"
	default: // doubled spaces inside lines
		out := make([]string, len(paras))
		for i, p := range paras {
			out[i] = strings.ReplaceAll(p, ". ", ".  ")
		}
		return strings.Join(out, "\n\n")
	}
}

func wrap(r *rand.Rand, paras []string) []string {
	h := headerLines[r.IntN(len(headerLines))]
	f := footerLines[r.IntN(len(footerLines))]
	return append(append(append([]string{}, h...), paras...), f...)
}

// variants returns the copy variants of one article: each edit alone, then
// all of them together. seed makes the choices reproducible.
func variants(a article, seed uint64) []variant {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	paras := paragraphs(a.Text)
	join := func(ps []string) string { return strings.Join(ps, "\n") }
	vs := []variant{
		{"headline", headlines[r.IntN(len(headlines))], a.Text},
		{"boilerplate", a.Title, join(wrap(r, paras))},
		{"trimmed", a.Title, join(trim(r, paras))},
		{"quotes", a.Title, swapQuotes(a.Text)},
		{"read-more", a.Title, join(insertReadMore(r, paras))},
		{"whitespace", a.Title, whitespace(r, paras)},
	}
	all := trim(r, paras)
	all = insertReadMore(r, all)
	all = wrap(r, all)
	vs = append(vs, variant{"all", headlines[r.IntN(len(headlines))], swapQuotes(whitespace(r, all))})
	for i := range vs {
		vs[i].Kind = fmt.Sprintf("%s/%s", a.Name, vs[i].Kind)
	}
	return vs
}
