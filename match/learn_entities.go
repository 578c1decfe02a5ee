package match

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entityGroup is one learned entity: every surface form that names it.
type entityGroup struct {
	keys     map[string]bool // folded word sequences
	surfaces map[string]int  // original spellings seen, with counts
	extra    []string        // aliases from the gazetteer not seen in examples
	place    int             // gazetteer place, or -1
	capital  bool
	side     int // place whose side this entity belongs to, or -1
	exDF     int
	mentions int
	why      []string
}

// name is the spelling the group is shown by: the gazetteer name for a
// country, else the most frequent full name (several words), else the most
// frequent spelling.
func (g *entityGroup) name() string {
	best, n := "", -1
	multi := false
	for _, s := range sortedKeys(g.surfaces) {
		c := g.surfaces[s]
		m := strings.Contains(s, " ")
		if m && !multi || m == multi && (c > n || c == n && hasNonASCII(s) && !hasNonASCII(best)) {
			best, n, multi = s, c, m
		}
	}
	if g.place >= 0 && !g.capital {
		return places[g.place].name
	}
	return best
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// aliases are the group's spellings other than its name, deduplicated by
// their folded form unless the spelling differs in diacritics (kept so the
// rule file shows both "Türkiye" and "Turkiye").
func (g *entityGroup) aliases() []string {
	name := g.name()
	seen := map[string]bool{name: true}
	var out []string
	seen[strings.ToLower(name)] = true
	all := append(sortedKeys(g.surfaces), g.extra...)
	for _, s := range all {
		// Spellings that differ only in case fold alike and add nothing;
		// spellings that differ in diacritics are kept for readers.
		if seen[s] || seen[strings.ToLower(s)] {
			continue
		}
		seen[s], seen[strings.ToLower(s)] = true, true
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

var connectors = map[string]bool{"i": true, "e": true, "ul": true, "al": true, "of": true, "bin": true, "ibn": true, "ur": true}

// titleWords are words that introduce names but are not part of them.
var titleWords = map[string]bool{
	"minister": true, "president": true, "defense": true, "defence": true, "foreign": true,
	"information": true, "interior": true, "deputy": true, "first": true, "former": true,
	"ambassador": true, "prime": true, "chief": true, "general": true, "spokesman": true,
	"spokesperson": true, "secretary": true, "the": true, "a": true, "an": true, "mr": true,
	"ms": true, "dr": true, "state": true, "senator": true,
}

// notNames are capitalised words that are never names on their own.
var notNames = toSet(`january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday`)

type capRun struct {
	words   []string
	surface string
	acronym string // a following "(ABC)"
	initial bool   // starts a sentence, where capitals say nothing
}

// capRuns finds runs of capitalised words (names) in one example, skipping
// title-case lines such as headlines.
func (l *learner) capRuns(d *learnDoc) []capRun {
	var runs []capRun
	toks := d.toks
	i := 0
	for i < len(toks) {
		if !l.startsName(d, i) || titleCaseLine(d, toks[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(toks) {
			t := toks[j]
			if t.Start == toks[j-1].Start { // same chunk, e.g. Tehreek‑e‑Taliban
				if t.Word == "s" {
					break
				}
				j++
				continue
			}
			if !joined(d.text[toks[j-1].End:t.Start]) {
				break
			}
			if isCapital(d.text[t.Start:]) || connectors[t.Word] && j+1 < len(toks) && isCapital(d.text[toks[j+1].Start:]) {
				j++
				continue
			}
			break
		}
		for j > i && connectors[toks[j-1].Word] {
			j--
		}
		run := l.trimRun(d, i, j)
		if run != nil {
			run.initial = sentenceStart(d.text[:d.toks[i].Start])
			runs = append(runs, *run)
		}
		i = max(j, i+1)
	}
	return runs
}

func (l *learner) startsName(d *learnDoc, i int) bool {
	t := d.toks[i]
	if i > 0 && d.toks[i-1].Start == t.Start {
		return false
	}
	return isCapital(d.text[t.Start:])
}

func (l *learner) trimRun(d *learnDoc, i, j int) *capRun {
	toks := d.toks
	idx := l.idx
	for i < j {
		w := toks[i].Word
		_, isPlace := idx[w]
		if titleWords[w] || (!isPlace && l.bg.Ratio(w) > 0.02 && j-i > 0 && i+1 <= j && !isAcronym(d.text[toks[i].Start:toks[i].End])) {
			i++
			continue
		}
		break
	}
	if i >= j {
		return nil
	}
	onlyPlaces := true
	for k := i; k < j; k++ {
		if _, ok := idx[toks[k].Word]; !ok {
			onlyPlaces = false
		}
	}
	for j > i && titleWords[toks[j-1].Word] {
		j--
	}
	if onlyPlaces || i >= j || j-i == 1 && notNames[toks[i].Word] {
		return nil
	}
	r := &capRun{}
	for k := i; k < j; k++ {
		r.words = append(r.words, toks[k].Word)
	}
	s := d.text[toks[i].Start:toks[j-1].End]
	for _, suf := range []string{"’s", "'s", "’", "'"} {
		s = strings.TrimSuffix(s, suf)
	}
	r.surface = trimPunct(strings.Join(strings.Fields(s), " "))
	rest := strings.TrimLeft(d.text[toks[j-1].End:], " ")
	if strings.HasPrefix(rest, "(") {
		if k := strings.IndexByte(rest, ')'); k > 1 && k < 12 && isAcronym(rest[1:k]) {
			r.acronym = rest[1:k]
		}
	}
	return r
}

// joined reports whether the text between two words keeps them in one name.
func joined(gap string) bool {
	return gap == " " || gap == "-" || gap == "‑" || gap == "\u00a0"
}

func isCapital(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

func isAcronym(s string) bool {
	n := 0
	for _, r := range s {
		if r == '.' {
			continue
		}
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2 && n <= 6
}

// titleCaseLine reports whether the line holding t is a headline in title
// case, where capitals do not mark names.
func titleCaseLine(d *learnDoc, t Token) bool {
	start := strings.LastIndexByte(d.text[:t.Start], '\n') + 1
	end := strings.IndexByte(d.text[t.Start:], '\n')
	if end < 0 {
		end = len(d.text)
	} else {
		end += t.Start
	}
	words := strings.Fields(d.text[start:end])
	caps, long := 0, 0
	for _, w := range words {
		if utf8.RuneCountInString(w) < 4 {
			continue
		}
		long++
		if isCapital(w) {
			caps++
		}
	}
	return long >= 3 && caps*10 >= long*7
}

// trimPunct removes quotes and punctuation around a name.
func trimPunct(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !IsWordRune(r) })
}

// lowerUse reports whether word also appears in the examples written in
// lower case, which marks it as an ordinary word rather than a name.
func (l *learner) lowerUse(word string) bool {
	for _, d := range l.ex {
		if !d.words[word] {
			continue
		}
		for _, t := range d.toks {
			if t.Word != word {
				continue
			}
			r, _ := utf8.DecodeRuneInString(d.text[t.Start:])
			if unicode.IsLower(r) {
				return true
			}
		}
	}
	return false
}

// sentenceStart reports whether text before a word ends a sentence (or is
// empty, or ends a line).
func sentenceStart(before string) bool {
	before = strings.TrimRight(before, " \t\"“‘'(")
	if before == "" {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(before)
	return strings.ContainsRune(".!?:\n", last)
}
