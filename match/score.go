package match

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Verdict is the outcome of scoring one item against one topic. Hits is the
// compact form stored with an item; Matches and Facets carry everything
// `wirewatch explain` shows.
type Verdict struct {
	Topic     string
	Score     float64
	Threshold float64
	Keep      bool
	Hits      []Hit
	// Missing lists the facets that were not satisfied.
	Missing []string
	// Firehose is set when the topic has no rules and keeps everything.
	Firehose bool
	// Matches has one entry per rule that fired, in rule order.
	Matches []RuleMatch
	// Facets reports every declared facet, satisfied or not.
	Facets []FacetResult
}

// RuleMatch is one rule that fired for an item.
type RuleMatch struct {
	Rule    string  // "term:talks", "entity:Afghanistan", "negative:cricket"
	Kind    string  // term, entity or negative
	Name    string  // the rule's text or entity name
	Facet   string  // facet the rule counts toward, if any
	Weight  float64 // contributed to the score (negative for negatives)
	InTitle bool    // matched in the title, so the title boost applied
	Count   int     // occurrences in title and body
	// Places lists the first few occurrences.
	Places []Place

	rule int32
	last Place // the previous occurrence, to fold overlapping aliases
}

// Place is one occurrence of a rule in an item.
type Place struct {
	Field      string // "title" or "body"
	Start, End int    // byte offsets into that field of the original text
	Text       string // the original text matched, e.g. "Tehreek‑e‑Taliban"
}

// FacetResult says whether one facet was covered.
type FacetResult struct {
	Name  string
	Min   int
	Got   int
	OK    bool
	Rules []string // rules that fired for this facet
}

const maxPlaces = 3

type scoreBufs struct {
	scan  scanState
	toks  []Token
	occ   []occurrence
	kept  []occurrence
	first []int32 // rule -> index into matches + 1
	fold  foldCache
}

// Score scores an item's title and summary against the topic.
func (t *Topic) Score(it *Item) Verdict {
	return t.ScoreText(it.Title, it.Summary)
}

// ScoreText scores a title and body against the topic.
func (t *Topic) ScoreText(title, body string) Verdict {
	v := Verdict{Topic: t.spec.Name, Threshold: t.spec.Threshold}
	if t.Firehose() {
		v.Firehose, v.Keep = true, true
		return v
	}
	b, _ := t.pool.Get().(*scoreBufs)
	if b == nil {
		b = &scoreBufs{fold: foldCache{}}
	}
	if t.noCache {
		b.fold = nil
	}
	if cap(b.first) < len(t.rules) {
		b.first = make([]int32, len(t.rules))
	}
	b.first = b.first[:len(t.rules)]
	clear(b.first)
	t.scanField(&v, b, "title", title)
	t.scanField(&v, b, "body", body)
	t.pool.Put(b)
	t.finish(&v)
	return v
}

// occurrence is one pattern match, in token positions.
type occurrence struct {
	rule        int32
	first, last int
}

func (t *Topic) scanField(v *Verdict, b *scoreBufs, field, text string) {
	b.toks = appendTokens(b.toks[:0], text, b.fold)
	toks := b.toks
	b.occ = b.occ[:0]
	t.auto.scan(&b.scan, toks, func(pat int32, first, last int) {
		b.occ = append(b.occ, occurrence{rule: t.owner[pat], first: first, last: last})
	})
	b.kept = longest(b.kept[:0], b.occ, t.auto.maxLen)
	for _, o := range b.kept {
		ri := o.rule
		r := &t.rules[ri]
		if b.first[ri] == 0 {
			m := RuleMatch{Rule: r.label(), Kind: r.kind, Name: r.name, rule: ri}
			if r.facet >= 0 {
				m.Facet = t.facets[r.facet].name
			}
			v.Matches = append(v.Matches, m)
			b.first[ri] = int32(len(v.Matches))
		}
		m := &v.Matches[b.first[ri]-1]
		s, e := trimSpan(text, toks[o.first].Start, toks[o.last].End)
		if m.Count > 0 && m.last.Field == field && m.last.Start == s && m.last.End == e {
			continue // two aliases of one rule matched the same words
		}
		m.last = Place{Field: field, Start: s, End: e}
		m.Count++
		if field == "title" {
			m.InTitle = true
		}
		if len(m.Places) < maxPlaces {
			m.Places = append(m.Places, Place{Field: field, Start: s, End: e, Text: text[s:e]})
		}
	}
}

// longest drops every occurrence lying inside a longer one, so the words of
// "Pakistani Taliban" count for that rule and not also for "Pakistani" or
// "Taliban". occ arrives ordered by last token; the result keeps that order
// for the survivors.
func longest(out, occ []occurrence, maxLen int) []occurrence {
	// Occurrences come ordered by their last word, so a cover of occ[i]
	// comes after it (or shares its last word) and ends within maxLen words
	// of its start: the loops look at a handful of neighbours.
	for i, o := range occ {
		covered := false
		for j := i + 1; j < len(occ) && !covered; j++ {
			c := occ[j]
			if c.last >= o.first+maxLen {
				break
			}
			covered = c.first <= o.first && c.last >= o.last && c.last-c.first > o.last-o.first
		}
		for j := i - 1; j >= 0 && !covered && occ[j].last == o.last; j-- {
			c := occ[j]
			covered = c.first < o.first
		}
		if !covered {
			out = append(out, o)
		}
	}
	return out
}

func (t *Topic) finish(v *Verdict) {
	got := make([]int, len(t.facets))
	rulesBy := make([][]string, len(t.facets))
	for i := range v.Matches {
		m := &v.Matches[i]
		r := &t.rules[m.rule]
		m.Weight = r.weight
		if m.InTitle {
			m.Weight *= t.boost
		}
		v.Score += m.Weight
		v.Hits = append(v.Hits, Hit{Rule: m.Rule, Weight: round2(m.Weight)})
		if r.facet >= 0 {
			got[r.facet]++
			rulesBy[r.facet] = append(rulesBy[r.facet], m.Rule)
		}
	}
	v.Score = round2(v.Score)
	for i, f := range t.facets {
		fr := FacetResult{Name: f.name, Min: f.min, Got: got[i], OK: got[i] >= f.min, Rules: rulesBy[i]}
		v.Facets = append(v.Facets, fr)
		if !fr.OK {
			v.Missing = append(v.Missing, f.name)
		}
	}
	v.Keep = v.Score >= t.spec.Threshold && len(v.Missing) == 0
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Explain renders the verdict for people: each rule that fired, where and
// with what weight, each facet satisfied or missing, the total against the
// threshold and the decision.
func (v Verdict) Explain() string {
	var b strings.Builder
	decision := "DROP"
	if v.Keep {
		decision = "KEEP"
	}
	if v.Firehose {
		fmt.Fprintf(&b, "topic %q: %s (firehose topic: no rules, keeps every item)\n", v.Topic, decision)
		return b.String()
	}
	fmt.Fprintf(&b, "topic %q: %s  score %s, threshold %s\n", v.Topic, decision, num(v.Score), num(v.Threshold))
	if len(v.Matches) == 0 {
		b.WriteString("  no rule matched\n")
	}
	for _, m := range v.Matches {
		facet := ""
		if m.Facet != "" {
			facet = "  [" + m.Facet + "]"
		}
		boost := ""
		if m.InTitle {
			boost = " (title boost)"
		}
		fmt.Fprintf(&b, "  %7s  %s%s%s  x%d\n", signed(m.Weight), m.Rule, facet, boost, m.Count)
		for _, p := range m.Places {
			fmt.Fprintf(&b, "           %s@%d %q\n", p.Field, p.Start, p.Text)
		}
	}
	for _, f := range v.Facets {
		state := "ok"
		if !f.OK {
			state = "MISSING"
		}
		fmt.Fprintf(&b, "  facet %-20q %d/%d %s", f.Name, f.Got, f.Min, state)
		if len(f.Rules) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(f.Rules, ", "))
		}
		b.WriteByte('\n')
	}
	switch {
	case v.Keep:
		fmt.Fprintf(&b, "  kept: score %s >= threshold %s and every facet covered\n", num(v.Score), num(v.Threshold))
	case len(v.Missing) > 0 && v.Score < v.Threshold:
		fmt.Fprintf(&b, "  dropped: score %s < threshold %s; missing facets: %s\n", num(v.Score), num(v.Threshold), strings.Join(v.Missing, ", "))
	case len(v.Missing) > 0:
		fmt.Fprintf(&b, "  dropped: missing facets: %s\n", strings.Join(v.Missing, ", "))
	default:
		fmt.Fprintf(&b, "  dropped: score %s < threshold %s\n", num(v.Score), num(v.Threshold))
	}
	return b.String()
}

func num(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

func signed(f float64) string {
	if f >= 0 {
		return "+" + num(f)
	}
	return num(f)
}

// trimSpan narrows text[s:e] to start and end on a word rune, dropping the
// quotes and brackets a chunk may carry.
func trimSpan(text string, s, e int) (int, int) {
	for s < e {
		r, n := utf8.DecodeRuneInString(text[s:e])
		if IsWordRune(r) {
			break
		}
		s += n
	}
	for e > s {
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if IsWordRune(r) {
			break
		}
		e -= n
	}
	return s, e
}
