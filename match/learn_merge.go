package match

import (
	"fmt"
	"sort"
	"strings"
)

type candidate struct {
	key      string
	words    []string
	surfaces map[string]int
	acronym  bool
	midText  bool // seen capitalised inside a sentence
}

// findEntities collects names from the examples and merges their spellings
// into entity groups.
func (l *learner) findEntities() {
	idx := l.idx
	cands := map[string]*candidate{}
	get := func(words []string) *candidate {
		key := strings.Join(words, " ")
		c := cands[key]
		if c == nil {
			c = &candidate{key: key, words: words, surfaces: map[string]int{}}
			cands[key] = c
		}
		return c
	}
	var links [][2]string
	for _, d := range l.ex {
		for _, r := range l.capRuns(d) {
			c := get(r.words)
			if foldKey(r.surface) == c.key {
				c.surfaces[r.surface]++
			} else {
				c.surfaces[c.key]++
			}
			c.acronym = c.acronym || isAcronym(r.surface)
			c.midText = c.midText || !r.initial
			if r.acronym != "" {
				a := get(Words(Fold(r.acronym)))
				a.midText = true
				a.surfaces[r.acronym]++
				a.acronym = true
				links = append(links, [2]string{c.key, a.key})
			}
		}
		for i, t := range d.toks {
			_ = t
			for n := 1; n <= 3 && i+n <= len(d.toks); n++ {
				words := make([]string, n)
				for k := range n {
					words[k] = d.toks[i+k].Word
				}
				if _, ok := idx[strings.Join(words, " ")]; ok {
					c := get(words)
					c.midText = true
					surf := trimPunct(d.text[t.Start:d.toks[i+n-1].End])
					if foldKey(surf) != c.key {
						surf = placeSpelling(c.key)
					}
					c.surfaces[surf]++
				}
			}
		}
	}
	m := newMerger(cands, idx)
	m.mergeAll(links, l.bg)
	l.entities = l.keepGroups(m.groups(), cands)
	l.assignSides(idx)
}

// common reports whether every spelling of g is a single word common in
// the background: capitalised sentence starts rather than names.
func (l *learner) common(g *entityGroup) bool {
	for k := range g.keys {
		if strings.Contains(k, " ") || l.bg.Ratio(k) < 0.01 {
			return false
		}
	}
	return true
}

// ordinary reports whether every spelling of g is one word that the
// examples also use in lower case ("Peace", "Tensions" at sentence starts).
func (l *learner) ordinary(g *entityGroup) bool {
	for k := range g.keys {
		if strings.Contains(k, " ") || !l.lowerUse(k) {
			return false
		}
	}
	return true
}

func (l *learner) measure(g *entityGroup) {
	g.exDF, g.mentions = 0, 0
	for _, d := range l.ex {
		n := 0
		for k := range g.keys {
			n += countGram(d, strings.Fields(k))
		}
		if n > 0 {
			g.exDF++
		}
		g.mentions += n
	}
}

func countGram(d *learnDoc, gram []string) int {
	if !d.words[gram[0]] {
		return 0
	}
	n := 0
	for i := gramAt(d, gram, 0); i >= 0; i = gramAt(d, gram, i+1) {
		n++
	}
	return n
}

// gramAt returns the first token position at or after from where gram
// starts in d, or -1.
func gramAt(d *learnDoc, gram []string, from int) int {
	for i := from; i+len(gram) <= len(d.toks); i++ {
		ok := true
		for j, w := range gram {
			if d.toks[i+j].Word != w {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// skeleton reduces words to consonants so that transliterations such as
// Tehrik-i / Tehreek-e / Tehrik-e compare equal; vowel-only connectors
// vanish.
func skeleton(words []string) string {
	var parts []string
	for _, w := range words {
		var b strings.Builder
		var last rune
		for i, r := range w {
			if i > 0 && strings.ContainsRune("aeiouy", r) {
				continue
			}
			if r == last {
				continue
			}
			if i == 0 && strings.ContainsRune("aeiouy", r) && len(w) <= 2 {
				break
			}
			b.WriteRune(r)
			last = r
		}
		if b.Len() > 0 {
			parts = append(parts, b.String())
		}
	}
	return strings.Join(parts, " ")
}

func initials(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if connectors[w] {
			continue
		}
		for _, r := range w {
			b.WriteRune(r)
			break
		}
	}
	return b.String()
}

// subsequence reports whether short's words appear in order in long, with
// the same first and last word (Khawaja Asif in Khawaja Muhammad Asif).
func subsequence(short, long []string) bool {
	if short[0] != long[0] || short[len(short)-1] != long[len(long)-1] {
		return false
	}
	j := 0
	for _, w := range long {
		if j < len(short) && short[j] == w {
			j++
		}
	}
	return j == len(short)
}

// assignSides picks the parties of the story (the places mentioned far
// more than any other) and attaches people and organisations to the party
// named just before them ("Pakistan's Defence Minister Khawaja Asif").
func (l *learner) assignSides(idx map[string]placeRef) {
	mentions := map[int]int{}
	docs := map[int]map[int]bool{}
	for _, g := range l.entities {
		if g.place < 0 {
			continue
		}
		mentions[g.place] += g.mentions
		if docs[g.place] == nil {
			docs[g.place] = map[int]bool{}
		}
		for i, d := range l.ex {
			for k := range g.keys {
				if containsGram(d, strings.Fields(k)) {
					docs[g.place][i] = true
				}
			}
		}
	}
	top := 0
	for _, n := range mentions {
		top = max(top, n)
	}
	isSide := map[int]bool{}
	for p, n := range mentions {
		if n*10 >= top*4 && len(docs[p])*10 >= len(l.ex)*6 {
			isSide[p] = true
		}
	}
	for _, g := range l.entities {
		if g.place >= 0 {
			if isSide[g.place] {
				g.side = g.place
			}
			continue
		}
		votes := map[int]int{}
		total := 0
		for _, d := range l.ex {
			for k := range g.keys {
				gram := strings.Fields(k)
				for i := 0; i+len(gram) <= len(d.toks); i++ {
					if !matchAt(d.toks, i, gram) {
						continue
					}
					if p := placeBefore(d.toks, i, idx); p >= 0 {
						votes[p]++
						total++
					}
				}
			}
		}
		best, bn := -1, 0
		for p, n := range votes {
			if n > bn || n == bn && p < best {
				best, bn = p, n
			}
		}
		if best >= 0 && isSide[best] && bn >= 2 && bn*3 >= total*2 {
			g.side = best
			g.why = append(g.why, fmt.Sprintf("named after %s %d times", places[best].name, bn))
		}
	}
	for p := range places {
		if isSide[p] {
			for _, g := range l.entities {
				if g.place == p && !g.capital {
					l.sides = append(l.sides, g)
				}
			}
		}
	}
	sort.SliceStable(l.sides, func(i, j int) bool { return l.sides[i].mentions > l.sides[j].mentions })
}

func matchAt(toks []Token, i int, gram []string) bool {
	for j, w := range gram {
		if toks[i+j].Word != w {
			return false
		}
	}
	return true
}

// placeBefore returns the country named within five words before toks[i].
func placeBefore(toks []Token, i int, idx map[string]placeRef) int {
	for k := i - 1; k >= 0 && k >= i-5; k-- {
		if p, ok := idx[toks[k].Word]; ok && !p.capital {
			return p.place
		}
	}
	return -1
}

// placeSpelling returns the gazetteer's spelling of a folded place name.
func placeSpelling(key string) string {
	for _, p := range places {
		for _, n := range append(append([]string{p.name}, p.names...), p.capitals...) {
			if foldKey(n) == key {
				return n
			}
		}
	}
	return key
}

// onlyInitial reports whether g is one word only ever capitalised at the
// start of a sentence ("Despite", "Earlier").
func onlyInitial(g *entityGroup, cands map[string]*candidate) bool {
	for k := range g.keys {
		if c := cands[k]; strings.Contains(k, " ") || c.midText || c.acronym {
			return false
		}
	}
	return true
}
