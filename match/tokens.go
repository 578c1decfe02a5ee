package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one folded word of a text together with the span of the original
// text it came from. Start and End are byte offsets into the original; the
// span covers the whole chunk the word was folded from, so for "Pakistan’s"
// both "pakistan" and "s" carry the span of "Pakistan’s".
type Token struct {
	Word       string
	Start, End int
}

// Tokenize splits s into folded words with their original spans. The words
// are exactly Words(Fold(s)) for ordinary text: s is cut into chunks at
// spaces and ASCII punctuation (which Fold never merges into a word), each
// chunk is folded on its own, and ASCII chunks take a fast path.
func Tokenize(s string) []Token {
	return appendTokens(nil, s, nil)
}

// foldCache remembers the words of non-ASCII chunks: folding runs four
// Unicode transforms and dominates scoring time on non-Latin text, while
// names and function words repeat from item to item. Each scoring buffer
// owns one, so no locking; it is cleared when it grows past maxFoldCache.
type foldCache map[string][]string

const maxFoldCache = 8192

func (c foldCache) words(chunk string) []string {
	if c == nil {
		return Words(Fold(chunk))
	}
	if ws, ok := c[chunk]; ok {
		return ws
	}
	if len(c) >= maxFoldCache {
		clear(c)
	}
	ws := Words(Fold(chunk))
	c[chunk] = ws
	return ws
}

// lower lower-cases an ASCII chunk, remembering capitalised words (names
// and sentence starts repeat) so that scoring them does not allocate.
func (c foldCache) lower(chunk string) string {
	if !hasUpper(chunk) {
		return chunk
	}
	if c == nil {
		return strings.ToLower(chunk)
	}
	if ws, ok := c[chunk]; ok && len(ws) == 1 {
		return ws[0]
	}
	if len(c) >= maxFoldCache {
		clear(c)
	}
	w := strings.ToLower(chunk)
	c[chunk] = []string{w}
	return w
}

func appendTokens(dst []Token, s string, cache foldCache) []Token {
	i := 0
	for i < len(s) {
		// Skip separators.
		r, n := utf8.DecodeRuneInString(s[i:])
		if isChunkBreak(r) {
			i += n
			continue
		}
		start := i
		ascii := true
		for i < len(s) {
			r, n = utf8.DecodeRuneInString(s[i:])
			if isChunkBreak(r) {
				break
			}
			if r >= utf8.RuneSelf {
				ascii = false
			}
			i += n
		}
		chunk := s[start:i]
		if ascii {
			dst = append(dst, Token{Word: cache.lower(chunk), Start: start, End: i})
			continue
		}
		for _, w := range cache.words(chunk) {
			dst = append(dst, Token{Word: w, Start: start, End: i})
		}
	}
	return dst
}

// isChunkBreak reports whether r always separates words: ASCII other than
// letters and digits, and Unicode spaces.
func isChunkBreak(r rune) bool {
	if r < utf8.RuneSelf {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}
	return unicode.IsSpace(r)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}
