package match

import (
	"fmt"
	"strings"
)

// merger joins candidate names that are spellings of one entity, with a
// union-find keyed by folded name. It never joins two different countries
// and never joins a capital with anything.
type merger struct {
	cands     map[string]*candidate
	keys      []string // sorted, for deterministic merging
	idx       map[string]placeRef
	parent    map[string]string
	rootPlace map[string]int
	why       map[string][]string // root -> reasons for its merges
}

func newMerger(cands map[string]*candidate, idx map[string]placeRef) *merger {
	m := &merger{cands: cands, keys: sortedKeys(cands), idx: idx,
		parent: map[string]string{}, rootPlace: map[string]int{}, why: map[string][]string{}}
	for _, k := range m.keys {
		m.parent[k] = k
		m.rootPlace[k] = m.placeOf(k)
	}
	return m
}

func (m *merger) placeOf(k string) int {
	if p, ok := m.idx[k]; ok && !p.capital {
		return p.place
	}
	return -1
}

func (m *merger) find(k string) string {
	for m.parent[k] != k {
		k = m.parent[k]
	}
	return k
}

func (m *merger) union(a, b, why string) {
	ra, rb := m.find(a), m.find(b)
	if ra == rb {
		return
	}
	pa, pb := m.rootPlace[ra], m.rootPlace[rb]
	if pa >= 0 && pb >= 0 && pa != pb || m.idx[ra].capital || m.idx[rb].capital {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	m.parent[rb] = ra
	m.rootPlace[ra] = max(pa, pb)
	m.why[ra] = append(append(m.why[ra], m.why[rb]...), fmt.Sprintf("%q ~ %q: %s", a, b, why))
}

// mergeAll runs every merge rule, most certain first.
func (m *merger) mergeAll(links [][2]string, bg *Background) {
	for _, ln := range links {
		m.union(ln[0], ln[1], "acronym in parentheses after its expansion")
	}
	m.mergeExonymsAndSkeletons()
	m.mergeAcronymsAndShortForms()
	m.mergeSurnames(bg)
}

func (m *merger) mergeExonymsAndSkeletons() {
	bySkel := map[string]string{}
	byPlace := map[int]string{}
	for _, k := range m.keys {
		if p := m.placeOf(k); p >= 0 {
			if o, ok := byPlace[p]; ok {
				m.union(o, k, "known exonym or demonym")
			} else {
				byPlace[p] = k
			}
		}
		words := m.cands[k].words
		if s := skeleton(words); len(s) >= 4 && len(words) >= 2 {
			if o, ok := bySkel[s]; ok {
				m.union(o, k, "transliteration variant")
			} else {
				bySkel[s] = k
			}
		}
	}
}

func (m *merger) mergeAcronymsAndShortForms() {
	for _, a := range m.keys {
		ca := m.cands[a]
		for _, b := range m.keys {
			cb := m.cands[b]
			if a == b {
				continue
			}
			if ca.acronym && len(cb.words) >= 2 && initials(cb.words) == strings.ReplaceAll(a, " ", "") {
				m.union(b, a, "acronym of its expansion")
			}
			if len(ca.words) >= 2 && len(cb.words) > len(ca.words) && subsequence(ca.words, cb.words) {
				m.union(b, a, "short form of a longer name")
			}
		}
	}
}

// mergeSurnames joins a lone, rare word to the one person whose name ends
// with it ("Asif" to "Khawaja Asif").
func (m *merger) mergeSurnames(bg *Background) {
	lastWordOf := map[string]map[string]bool{}
	for _, k := range m.keys {
		if w := m.cands[k].words; len(w) >= 2 && !m.cands[k].acronym {
			last := w[len(w)-1]
			if lastWordOf[last] == nil {
				lastWordOf[last] = map[string]bool{}
			}
			lastWordOf[last][m.find(k)] = true
		}
	}
	for _, a := range m.keys {
		ca := m.cands[a]
		if len(ca.words) != 1 || ca.acronym || m.placeOf(a) >= 0 || len(lastWordOf[a]) != 1 || bg.Ratio(a) >= 0.002 {
			continue
		}
		for r := range lastWordOf[a] {
			if m.rootPlace[m.find(r)] < 0 {
				m.union(r, a, "surname of a longer name")
			}
		}
	}
}

// groups collects the merged candidates, keyed by root.
func (m *merger) groups() map[string]*entityGroup {
	groups := map[string]*entityGroup{}
	for _, k := range m.keys {
		r := m.find(k)
		g := groups[r]
		if g == nil {
			g = &entityGroup{keys: map[string]bool{}, surfaces: map[string]int{}, place: m.rootPlace[r], side: -1, why: m.why[r]}
			if p, ok := m.idx[r]; ok && p.capital {
				g.place, g.capital = p.place, true
			}
			groups[r] = g
		}
		g.keys[k] = true
		for s, n := range m.cands[k].surfaces {
			g.surfaces[s] += n
		}
	}
	return groups
}

// keepGroups drops groups seen in too few examples and single words that
// are not names, and adds the gazetteer's names to countries.
func (l *learner) keepGroups(groups map[string]*entityGroup, cands map[string]*candidate) []*entityGroup {
	var out []*entityGroup
	need := min(2, len(l.ex))
	for _, r := range sortedKeys(groups) {
		g := groups[r]
		l.measure(g)
		if g.exDF < need || (g.place < 0 && (l.common(g) || l.ordinary(g) || onlyInitial(g, cands))) {
			continue
		}
		if g.place >= 0 && !g.capital {
			g.extra = append(g.extra, places[g.place].names...)
		}
		out = append(out, g)
	}
	return out
}
