package match

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

type scoredGram struct {
	words []string
	df    int // documents of the learning set containing it
	ratio float64
	score float64
}

func (g scoredGram) text() string { return strings.Join(g.words, " ") }

// stopwords are function words that never start or end a learned phrase.
var stopwords = toSet(`a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each either even ever few for
from further had has have having he her here hers him his how i if in into is it its itself just least less
like made make many may me might more most much must my near no nor not now of off on once one only or other
our out over own per same several she should since so some such than that the their them then there these
they this those through to too under until up upon us very via was we were what when where whether which while
who whom whose why will with within without would yet you your said says say told also s t d ll re ve m
according two three four five first second third new last latest next`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// grams lists the distinct 1- to 3-word sequences of a document that do not
// cross punctuation and neither start nor end with a stopword.
func grams(d *learnDoc) map[string][]string {
	out := map[string][]string{}
	for i := range d.toks {
		for n := 1; n <= 3 && i+n <= len(d.toks); n++ {
			last := d.toks[i+n-1]
			if n > 1 {
				prev := d.toks[i+n-2]
				if prev.Start != last.Start && !joined(d.text[prev.End:last.Start]) {
					break
				}
			}
			first := d.toks[i].Word
			if stopwords[first] || stopwords[last.Word] || isNumber(first) || isNumber(last.Word) {
				continue
			}
			if n == 1 && len([]rune(first)) < 3 {
				continue
			}
			words := make([]string, n)
			for k := range n {
				words[k] = d.toks[i+k].Word
			}
			out[strings.Join(words, " ")] = words
		}
	}
	return out
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// distinctive ranks the grams of docs by coverage times rarity in the
// background, keeping those in at least minDF documents, not in the
// excluded documents, and rarer than maxRatio.
func (l *learner) distinctive(docs, exclude []*learnDoc, minDF int, maxRatio float64, skip func([]string) bool) []scoredGram {
	df := map[string]int{}
	words := map[string][]string{}
	for _, d := range docs {
		for k, w := range grams(d) {
			df[k]++
			words[k] = w
		}
	}
	var out []scoredGram
	for _, k := range sortedKeys(df) {
		g := scoredGram{words: words[k], df: df[k]}
		if g.df < minDF || skip(g.words) || docFreq(exclude, g.words) > 0 {
			continue
		}
		g.ratio = l.bgRatio(g.words)
		if g.ratio > maxRatio {
			continue
		}
		// Coverage times rarity (capped: in a small background many words
		// are unseen) times how often the examples use it.
		tf := 0
		for _, d := range docs {
			tf += countGram(d, g.words)
		}
		g.score = float64(g.df) / float64(len(docs)) * math.Min(math.Log(1/g.ratio), math.Log(200)) *
			math.Log(1+float64(tf)/float64(len(docs)))
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// findTerms picks the words and phrases that mark the examples.
func (l *learner) findTerms() {
	entityWord := map[string]bool{}
	for _, g := range l.entities {
		for k := range g.keys {
			for _, w := range strings.Fields(k) {
				entityWord[w] = true
			}
		}
		for _, a := range g.extra {
			entityWord[foldKey(a)] = true
		}
	}
	// A term never starts or ends with a word of a learned name: those are
	// covered by the entity ("istanbul talks" becomes "talks").
	skip := func(ws []string) bool {
		return entityWord[ws[0]] || entityWord[ws[len(ws)-1]]
	}
	minDF := max(2, int(math.Ceil(0.6*float64(len(l.ex)))))
	if len(l.ex) == 1 {
		minDF = 1
	}
	for _, g := range l.distinctive(l.ex, nil, minDF, 0.05, skip) {
		if len(l.terms) >= l.opts.MaxTerms {
			break
		}
		if l.overlaps(g) {
			continue
		}
		l.terms = append(l.terms, g)
	}
}

// overlaps reports whether g shares a word with an already chosen term
// that covers as many examples: keep "talks" or "peace talks", not both.
func (l *learner) overlaps(g scoredGram) bool { return overlapsAny(l.terms, g) }

func overlapsAny(chosen []scoredGram, g scoredGram) bool {
	for _, t := range chosen {
		if t.df < g.df {
			continue
		}
		for _, a := range t.words {
			for _, b := range g.words {
				if a == b {
					return true
				}
			}
		}
	}
	return false
}

// findNegatives picks words and phrases common in the near misses and
// absent from every example.
func (l *learner) findNegatives() {
	if len(l.neg) == 0 {
		return
	}
	// A handful of near misses are usually each about something else
	// (cricket, Ukraine, Gaza): then one document is evidence enough.
	minDF := max(2, int(math.Ceil(0.2*float64(len(l.neg)))))
	if len(l.neg) < 10 {
		minDF = 1
	}
	// Every word must be foreign to the examples: "hold talks" from a
	// Ukraine story is not evidence against the topic, "ukraine" is.
	skip := func(ws []string) bool {
		if len(ws) > 2 {
			return true
		}
		for _, w := range ws {
			for _, d := range l.ex {
				if d.words[w] {
					return true
				}
			}
		}
		return false
	}
	// Common news words are fine here ("ukraine" is frequent in any
	// background): what matters is that the examples never use them.
	for _, g := range l.distinctive(l.neg, l.ex, minDF, 0.2, skip) {
		if len(l.negTerms) >= 12 {
			break
		}
		if !overlapsAny(l.negTerms, g) {
			l.negTerms = append(l.negTerms, g)
		}
	}
}

func (l *learner) termNote(g scoredGram, of int, where string) string {
	return fmt.Sprintf("in %s %s, %.1f%% of background", pct(g.df, of), where, 100*g.ratio)
}
