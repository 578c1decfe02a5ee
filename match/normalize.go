package match

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold normalises text so that spellings a reader treats as the same word
// compare equal. Rules, fingerprints and queries all go through it, so text
// and patterns are always normalised the same way:
//
//   - Unicode NFKC (ligatures, full-width forms, compatibility characters),
//   - full case folding (Unicode CaseFolding, not ToLower; "ß" -> "ss"),
//   - diacritics removed (every nonspacing mark after decomposition, so
//     "Türkiye" -> "turkiye", decomposed "café" -> "cafe"; Arabic harakat go
//     too; Turkish dotless ı -> i),
//   - typographic variants unified: curly quotes and apostrophes -> ', every
//     dash and hyphen (U+2010..U+2015, U+2212, U+FE63, U+FF0D) -> -,
//     Arabic tatweel and zero-width characters removed, every Unicode space
//     -> ' '.
//
// Fold does not change word boundaries other than through those mappings;
// see Words for tokenisation.
func Fold(s string) string {
	if s == "" {
		return ""
	}
	if folded, ok := foldASCII(s); ok {
		return folded
	}
	s = norm.NFKC.String(s)
	s = cases.Fold().String(s)
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch {
		case r == 'ı':
			r = 'i'
		case r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b' || r == '\u2032' || r == '`' || r == '\u00b4' || r == '\u02bc':
			r = '\''
		case r == '\u201c' || r == '\u201d' || r == '\u201e' || r == '\u201f' || r == '\u00ab' || r == '\u00bb' || r == '\u2033':
			r = '"'
		case (r >= '\u2010' && r <= '\u2015') || r == '\u2212' || r == '\ufe63' || r == '\uff0d' || r == '\u00ad':
			if r == '\u00ad' { // soft hyphen: invisible, drop it
				continue
			}
			r = '-'
		case r == '\u0640' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff':
			continue
		case unicode.IsSpace(r):
			r = ' '
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// IsWordRune reports whether r is part of a word: a letter, a digit or a
// combining mark (Devanagari vowel signs are marks).
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Words splits folded text into words: maximal runs of word runes. An
// apostrophe or hyphen inside a word splits it ("taliban's" -> "taliban",
// "s"), which makes "Tehrik-i-Taliban" and "Tehrik i Taliban" match alike.
func Words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !IsWordRune(r) })
}

// foldASCII is Fold's fast path for pure ASCII text (most English feeds):
// lower-case and backtick -> apostrophe, with the Unicode work skipped.
func foldASCII(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", false
		}
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '`':
			b[i] = '\''
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			b[i] = ' '
		}
	}
	return string(b), true
}
