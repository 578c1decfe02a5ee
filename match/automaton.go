package match

import (
	"strings"
	"unicode/utf8"
)

// The matcher is a token-level automaton: a trie whose edges are word
// symbols, not bytes. Every distinct pattern word gets a symbol; a text word
// resolves to the symbols it can stand for (its exact word, plus any
// "prefix*" or "*suffix" wildcard words it fits). Scanning keeps the set of
// live trie states (partial matches ending at the previous word) and
// advances each by the current word's symbols, so a pass costs one hash
// lookup per word and live state. The number of live states is bounded by
// the longest pattern, never by the number of rules, which keeps scoring
// flat as topics grow. Matching whole words is a consequence of the design:
// a pattern can only ever match a sequence of complete words.

type patWord struct {
	text string
	kind byte // 0 exact, 'p' prefix ("word*"), 's' suffix ("*word")
}

func (w patWord) String() string {
	switch w.kind {
	case 'p':
		return w.text + "*"
	case 's':
		return "*" + w.text
	}
	return w.text
}

type automaton struct {
	exact    map[string]int32
	prefix   map[string]int32
	suffix   map[string]int32
	preBy    map[rune][]wildcard // prefix words by their first rune
	sufBy    map[rune][]wildcard // suffix words by their last rune
	edges    map[uint64]int32    // node<<32 | symbol -> child node
	depth    []int32             // words from the root, per node
	out      [][]int32           // pattern ids that end at a node
	nsym     int32
	patterns int
	maxLen   int // words in the longest pattern
}

func newAutomaton() *automaton {
	return &automaton{
		exact:  map[string]int32{},
		prefix: map[string]int32{},
		suffix: map[string]int32{},
		edges:  map[uint64]int32{},
		preBy:  map[rune][]wildcard{},
		sufBy:  map[rune][]wildcard{},
		depth:  []int32{0},
		out:    [][]int32{nil},
	}
}

func (a *automaton) symbol(w patWord) int32 {
	m := a.exact
	switch w.kind {
	case 'p':
		m = a.prefix
	case 's':
		m = a.suffix
	}
	if s, ok := m[w.text]; ok {
		return s
	}
	s := a.nsym
	a.nsym++
	m[w.text] = s
	switch w.kind {
	case 'p':
		r, _ := utf8.DecodeRuneInString(w.text)
		a.preBy[r] = append(a.preBy[r], wildcard{w.text, s})
	case 's':
		r, _ := utf8.DecodeLastRuneInString(w.text)
		a.sufBy[r] = append(a.sufBy[r], wildcard{w.text, s})
	}
	return s
}

// wildcard is a prefix or suffix pattern word and its symbol.
type wildcard struct {
	text string
	sym  int32
}

// add inserts a pattern and returns its id.
func (a *automaton) add(words []patWord) int32 {
	node := int32(0)
	for _, w := range words {
		key := uint64(node)<<32 | uint64(uint32(a.symbol(w)))
		child, ok := a.edges[key]
		if !ok {
			child = int32(len(a.depth))
			a.edges[key] = child
			a.depth = append(a.depth, a.depth[node]+1)
			a.out = append(a.out, nil)
		}
		node = child
	}
	a.maxLen = max(a.maxLen, len(words))
	id := int32(a.patterns)
	a.patterns++
	a.out[node] = append(a.out[node], id)
	return id
}

// resolve appends the symbols word stands for to dst.
func (a *automaton) resolve(dst []int32, word string) []int32 {
	if s, ok := a.exact[word]; ok {
		dst = append(dst, s)
	}
	if len(a.preBy) > 0 {
		r, _ := utf8.DecodeRuneInString(word)
		for _, w := range a.preBy[r] {
			if strings.HasPrefix(word, w.text) {
				dst = append(dst, w.sym)
			}
		}
	}
	if len(a.sufBy) > 0 {
		r, _ := utf8.DecodeLastRuneInString(word)
		for _, w := range a.sufBy[r] {
			if strings.HasSuffix(word, w.text) {
				dst = append(dst, w.sym)
			}
		}
	}
	return dst
}

// scanState holds the buffers of one scan; reuse it to avoid allocation.
type scanState struct {
	live, next, syms []int32
}

// scan calls emit(pattern, firstToken, lastToken) for every occurrence of
// every pattern in toks.
func (a *automaton) scan(st *scanState, toks []Token, emit func(pat int32, first, last int)) {
	st.live = st.live[:0]
	for i, t := range toks {
		st.syms = a.resolve(st.syms[:0], t.Word)
		st.next = st.next[:0]
		if len(st.syms) > 0 {
			st.next = a.step(st.next, 0, st.syms, i, emit)
			for _, n := range st.live {
				st.next = a.step(st.next, n, st.syms, i, emit)
			}
		}
		st.live, st.next = st.next, st.live
	}
}

func (a *automaton) step(next []int32, node int32, syms []int32, i int, emit func(int32, int, int)) []int32 {
	for _, s := range syms {
		child, ok := a.edges[uint64(node)<<32|uint64(uint32(s))]
		if !ok {
			continue
		}
		next = append(next, child)
		for _, p := range a.out[child] {
			emit(p, i-int(a.depth[child])+1, i)
		}
	}
	return next
}

// parsePattern folds one rule text into pattern words. A word may end with
// "*" (prefix: "negotiat*" matches "negotiations") or start with "*"
// (suffix, for scripts that attach particles in front: "*محادثات" matches
// "والمحادثات"). The error text is for a rule validation message.
func parsePattern(s string) ([]patWord, string) {
	var words []patWord
	for _, field := range strings.Fields(s) {
		pre := strings.HasPrefix(field, "*")
		suf := strings.HasSuffix(field, "*")
		core := strings.Trim(field, "*")
		if strings.Contains(core, "*") || (pre && suf) {
			return nil, "\"*\" may only start or end a word, not both"
		}
		ws := Words(Fold(core))
		if (pre || suf) && len(ws) != 1 {
			return nil, "a wildcard word must be a single word"
		}
		if (pre || suf) && utf8.RuneCountInString(ws[0]) < 3 {
			return nil, "a wildcard word needs at least 3 letters"
		}
		for _, w := range ws {
			pw := patWord{text: w}
			if pre {
				pw.kind = 's'
			} else if suf {
				pw.kind = 'p'
			}
			words = append(words, pw)
		}
	}
	if len(words) == 0 {
		return nil, "has no words"
	}
	return words, ""
}
