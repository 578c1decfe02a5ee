package match

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Stories group different reports of one event: a rewrite that keeps the
// facts but changes the wording, or independent coverage of the same day's
// news. An item's story features are what such reports share even when
// their sentences differ: named entities, quoted passages and key terms.
// They are compared with a story's accumulated features (cosine similarity)
// within a time window. See docs/README-dedup.md for the measurements
// behind the defaults.

// Feature kinds, the prefix of every feature key, and their weights.
const (
	kindEntity = "e:" // a capitalised word or acronym, folded
	kindPair   = "p:" // two adjacent words of a multi-word name
	kindQuote  = "q:" // three consecutive words inside quotation marks
	kindTerm   = "t:" // a frequent content word

	weightEntity = 1.0
	weightPair   = 2.0
	weightQuote  = 1.5
	weightTerm   = 0.5
	titleBoost   = 1.5 // features of the headline weigh more

	maxTerms         = 15  // key terms kept per item
	maxStoryFeatures = 300 // features kept per story profile
)

// Features is a weighted bag of story features of one item or story. Keys
// are prefixed by kind (see DescribeFeature).
type Features map[string]float64

// StoryConfig holds the thresholds that decide whether an item joins a
// story.
type StoryConfig struct {
	// Window is how far an item's time may lie outside a story's first..last
	// time span for it to join (default 3 days).
	Window time.Duration `toml:"window" json:"window"`
	// Threshold is the minimum cosine similarity between the item's
	// features and the story's.
	Threshold float64 `toml:"threshold" json:"threshold"`
	// MaxSpan caps a story's first..last span: an item that would stretch
	// it further starts a story of its own, so daily coverage cannot chain
	// one event into the next for ever (default 14 days; 0 = no cap).
	MaxSpan time.Duration `toml:"max_span" json:"max_span"`
	// MinSharedNames is the number of names or quotes (entity, name and
	// quote features, not key terms) item and story must share; one
	// country name in common does not make two reports one story.
	MinSharedNames int `toml:"min_shared_names" json:"min_shared_names"`
}

// DefaultStoryConfig returns the measured defaults: a 3-day window, a
// 14-day maximum span, a similarity threshold of 0.25 and two shared names.
func DefaultStoryConfig() StoryConfig {
	return StoryConfig{Window: 72 * time.Hour, MaxSpan: 14 * 24 * time.Hour, Threshold: 0.25, MinSharedNames: 2}
}

// Validate reports a non-positive window or a threshold outside (0, 1].
func (c StoryConfig) Validate() error {
	if c.Window <= 0 {
		return fmt.Errorf("window %v: want a positive duration", c.Window)
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		return fmt.Errorf("threshold %v: want a value in (0, 1]", c.Threshold)
	}
	if c.MaxSpan < 0 {
		return fmt.Errorf("max_span %v: want 0 (no cap) or a positive duration", c.MaxSpan)
	}
	if c.MinSharedNames < 0 {
		return fmt.Errorf("min_shared_names %d: want 0 or more", c.MinSharedNames)
	}
	return nil
}

// StoryFeatures extracts the story features of an article.
func StoryFeatures(title, text string) Features {
	f := make(Features)
	text = norm.NFKC.String(text)
	memo := make(map[string]string)
	body := tokenize(text, memo)
	names := capitalisedMidSentence(body)
	addEntities(f, body, names, 1)
	addQuotes(f, text, 1)
	addTerms(f, body, 1)
	if title != "" {
		title = norm.NFKC.String(title)
		head := tokenize(title, memo)
		// A Title Case headline capitalises every word: there only names
		// the body confirms (or acronyms) count as entities. In a sentence
		// case headline, capitals mark names.
		if !titleCase(head) {
			hn := capitalisedMidSentence(head)
			for k := range names {
				hn[k] = true
			}
			names = hn
		}
		addEntities(f, head, names, titleBoost)
		addQuotes(f, title, titleBoost)
		addTerms(f, head, titleBoost)
	}
	for k, w := range f { // damp repetition: a name said ten times is not ten names
		f[k] = math.Sqrt(w)
	}
	return f
}

// capitalisedMidSentence returns the folded words written capitalised
// somewhere other than at the start of a sentence: the names of the text.
func capitalisedMidSentence(toks []token) map[string]bool {
	names := make(map[string]bool)
	for _, t := range toks {
		if !t.sentenceStart && isCapital(t.word) {
			names[t.folded] = true
		}
	}
	return names
}

// endsSentence reports whether a line ends like a sentence rather than a
// headline.
func endsSentence(line string) bool {
	line = strings.TrimRight(line, " \t\r\n\"'”’)")
	return strings.HasSuffix(line, ".") || strings.HasSuffix(line, "!") || strings.HasSuffix(line, "?")
}

// titleCase reports whether most words of a headline are capitalised.
func titleCase(toks []token) bool {
	caps := 0
	for _, t := range toks {
		if isCapital(t.word) {
			caps++
		}
	}
	return caps*5 > len(toks)*3
}

// token is one word of the original text with what precedes it.
type token struct {
	word          string // as written
	folded        string // Fold(word)
	sentenceStart bool   // first word of a sentence, line or quotation
}

// tokenize splits text into tokens; memo caches Fold per distinct word
// (folding is the costly part and words repeat).
func tokenize(text string, memo map[string]string) []token {
	var toks []token
	defer func() {
		for i := range toks {
			f, ok := memo[toks[i].word]
			if !ok {
				f = Fold(toks[i].word)
				memo[toks[i].word] = f
			}
			toks[i].folded = f
		}
	}()
	for line := range strings.Lines(text) {
		lt := tokenizeLine(line)
		if len(lt) >= 3 && len(lt) <= 20 && !endsSentence(line) && titleCase(lt) {
			// A headline line inside the text: its capitals are style,
			// not evidence of names.
			for i := range lt {
				lt[i].sentenceStart = true
			}
		}
		toks = append(toks, lt...)
	}
	return toks
}

func tokenizeLine(text string) []token {
	var toks []token
	start := true
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !IsWordRune(r) {
			switch r {
			case '.', '!', '?', ':', '\n', '"', '“', '”', '‘', '«', '»', ';':
				start = true
			}
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !IsWordRune(r) {
				break
			}
			j += n
		}
		toks = append(toks, token{word: text[i:j], sentenceStart: start})
		start = false
		i = j
	}
	return toks
}

// nameLinks may join capitalised words into one name ("Tehrik-i-Taliban
// Pakistan", "Islamic Emirate of Afghanistan").
var nameLinks = map[string]bool{"i": true, "e": true, "of": true, "al": true, "ul": true, "bin": true, "ibn": true, "de": true, "el": true, "ud": true}

// isCodeName reports whether w is an all-capitals token of 2 to 6 runes,
// digits allowed ("TTP", "G20"): unlike the learner's isAcronym, which
// allows dots ("U.S.") but no digits, because a story's name set keeps
// codes like "G20" while rules do not.
func isCodeName(w string) bool {
	if utf8.RuneCountInString(w) < 2 || utf8.RuneCountInString(w) > 6 {
		return false
	}
	upper := false
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case !unicode.IsDigit(r):
			return false
		}
	}
	return upper
}

// addEntities adds names (entity features) and the adjacent pairs inside
// multi-word names (pair features). A name is an acronym or a capitalised
// word found in names (see capitalisedMidSentence): a capitalised word that
// only ever starts a sentence is an ordinary word ("However").
func addEntities(f Features, toks []token, names map[string]bool, boost float64) {
	var run []string
	flush := func() {
		for len(run) > 0 && nameLinks[run[len(run)-1]] {
			run = run[:len(run)-1]
		}
		for i, w := range run {
			if nameLinks[w] {
				continue
			}
			f[kindEntity+w] += weightEntity * boost
			if i > 0 {
				f[kindPair+run[i-1]+" "+w] += weightPair * boost
			}
		}
		run = run[:0]
	}
	for _, t := range toks {
		fw := t.folded
		switch {
		case isCodeName(t.word) || (isCapital(t.word) && names[fw] && !storyStopwords[fw] && !timeWords[fw]):
			run = append(run, fw)
		case len(run) > 0 && nameLinks[fw] && !t.sentenceStart:
			run = append(run, fw)
		default:
			flush()
		}
	}
	flush()
}

// quoteRE-free quote scan: text between matching quotation marks.
var quotePairs = map[rune]rune{'“': '”', '"': '"', '«': '»', '‘': '’'}

// addQuotes adds word trigrams of quoted passages of at least four words.
func addQuotes(f Features, text string, boost float64) {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		closing, ok := quotePairs[r]
		i += n
		if !ok {
			continue
		}
		end := strings.IndexRune(text[i:], closing)
		if end < 0 || end > 2000 {
			continue
		}
		words := Words(Fold(text[i : i+end]))
		i += end + utf8.RuneLen(closing)
		if len(words) < 4 {
			continue
		}
		for j := 0; j+3 <= len(words); j++ {
			f[kindQuote+strings.Join(words[j:j+3], " ")] += weightQuote * boost
		}
	}
}

// addTerms adds the most frequent content words (not stopwords, at least
// four letters, crude plural folding).
func addTerms(f Features, toks []token, boost float64) {
	count := make(map[string]int)
	first := make(map[string]int)
	for i, t := range toks {
		w := t.folded
		if utf8.RuneCountInString(w) < 4 || storyStopwords[w] || timeWords[w] || isDigits(w) {
			continue
		}
		w = stem(w)
		if _, ok := first[w]; !ok {
			first[w] = i
		}
		count[w]++
	}
	type term struct {
		w            string
		count, first int
	}
	terms := make([]term, 0, len(count))
	for w, n := range count {
		terms = append(terms, term{w, n, first[w]})
	}
	slices.SortFunc(terms, func(a, b term) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return a.first - b.first
	})
	if len(terms) > maxTerms {
		terms = terms[:maxTerms]
	}
	for _, t := range terms {
		f[kindTerm+t.w] += weightTerm * boost * (1 + math.Log(float64(t.count)))
	}
}

// stem folds the commonest English inflections so "talks" and "talk",
// "negotiations" and "negotiation" meet.
func stem(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 5:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && len(w) > 4:
		return w[:len(w)-1]
	}
	return w
}

// norm2 is the Euclidean length of a feature vector.
func (f Features) norm2() float64 {
	var s float64
	for _, w := range f {
		s += w * w
	}
	return math.Sqrt(s)
}

// Cosine is the cosine similarity of two feature vectors, in [0, 1].
func Cosine(a, b Features) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot float64
	for k, w := range a {
		dot += w * b[k]
	}
	na, nb := a.norm2(), b.norm2()
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (na * nb)
}

// Shared returns the n features that contribute most to the similarity of a
// and b, strongest first, for explanations.
func Shared(a, b Features, n int) []string {
	type kw struct {
		k string
		w float64
	}
	var s []kw
	for k, w := range a {
		if v, ok := b[k]; ok {
			s = append(s, kw{k, w * v})
		}
	}
	slices.SortFunc(s, func(x, y kw) int {
		if x.w != y.w {
			if x.w > y.w {
				return -1
			}
			return 1
		}
		return strings.Compare(x.k, y.k)
	})
	out := make([]string, 0, min(n, len(s)))
	for i := 0; i < len(s) && i < n; i++ {
		out = append(out, DescribeFeature(s[i].k))
	}
	return out
}

// DescribeFeature renders a feature key for people: `entity "taliban"`.
func DescribeFeature(key string) string {
	kinds := map[string]string{kindEntity: "entity", kindPair: "name", kindQuote: "quote", kindTerm: "term"}
	if len(key) > 2 {
		if k, ok := kinds[key[:2]]; ok {
			return fmt.Sprintf("%s %q", k, key[2:])
		}
	}
	return key
}
