package match

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Doc is one text Learn reads: an example, a background or a negative
// document.
type Doc struct {
	Title string
	Text  string
}

// LearnOptions are the inputs of Learn.
type LearnOptions struct {
	Name     string
	Examples []Doc // on-topic articles; at least one
	// Background documents are off-topic news; the threshold is set above
	// their scores. Word rarity always also uses BuiltinBackground.
	Background []Doc
	// Negatives are near misses: stories that share words with the topic but
	// are not about it. Their distinctive words become negative rules.
	Negatives []Doc
	// MaxTerms caps the learned terms and phrases (default 16).
	MaxTerms int
}

// LearnResult is a learned topic with the evidence behind it.
type LearnResult struct {
	Spec TopicSpec
	// Notes explains each rule, keyed by its hit label ("term:talks").
	Notes map[string]string
	// ExampleScores and BackgroundScores are the scores under Spec.
	ExampleScores    []float64
	BackgroundScores []float64
	// MinExample is the lowest example score, MaxBackground the highest
	// score of a background document that covers every facet (0 if none).
	MinExample, MaxBackground float64
	// MinLead is the lowest score of an example's lead (title and first
	// 400 bytes) that covers every facet.
	MinLead float64
	// Margin is how far the threshold sits from the nearest side:
	// min(MinExample-Threshold, Threshold-MaxBackground).
	Margin float64
	// BackgroundKept counts background documents the topic would keep.
	BackgroundKept int
}

// Learn derives a topic from example articles: entities with merged
// aliases, terms and phrases frequent in the examples and rare in the
// background, facets for the parties and the event, negatives from near
// misses, and weights and a threshold that keep every example and drop the
// background with a margin. The result is deterministic.
func Learn(opts LearnOptions) (*LearnResult, error) {
	if strings.TrimSpace(opts.Name) == "" {
		return nil, errors.New("learn: name must not be empty")
	}
	if len(opts.Examples) == 0 {
		return nil, errors.New("learn: need at least one example")
	}
	if opts.MaxTerms <= 0 {
		opts.MaxTerms = 16
	}
	l := newLearner(opts)
	l.findEntities()
	l.findTerms()
	l.findNegatives()
	l.buildSpec()
	if err := l.calibrate(); err != nil {
		return nil, err
	}
	return l.res, nil
}

type learnDoc struct {
	text   string // title + "\n" + text, original
	toks   []Token
	words  map[string]bool
	counts map[string]int
}

func analyse(d Doc) *learnDoc {
	ld := &learnDoc{text: d.Title + "\n" + d.Text, words: map[string]bool{}, counts: map[string]int{}}
	ld.toks = Tokenize(ld.text)
	for _, t := range ld.toks {
		ld.words[t.Word] = true
		ld.counts[t.Word]++
	}
	return ld
}

type learner struct {
	opts     LearnOptions
	bg       *Background
	ex, neg  []*learnDoc
	entities []*entityGroup
	sides    []*entityGroup // parties of the story, one facet each
	terms    []scoredGram
	negTerms []scoredGram
	res      *LearnResult
	idx      map[string]placeRef
}

func newLearner(opts LearnOptions) *learner {
	l := &learner{opts: opts, bg: BuiltinBackground(), res: &LearnResult{Notes: map[string]string{}}, idx: placeIndex()}
	for _, d := range opts.Examples {
		l.ex = append(l.ex, analyse(d))
	}
	for _, d := range opts.Negatives {
		l.neg = append(l.neg, analyse(d))
	}
	return l
}

// docFreq counts the documents in docs containing the folded word sequence.
func docFreq(docs []*learnDoc, gram []string) int {
	n := 0
	for _, d := range docs {
		if containsGram(d, gram) {
			n++
		}
	}
	return n
}

func containsGram(d *learnDoc, gram []string) bool {
	for _, w := range gram {
		if !d.words[w] {
			return false
		}
	}
	return len(gram) == 1 || gramAt(d, gram, 0) >= 0
}

// bgRatio estimates the share of background documents containing a gram;
// for phrases it assumes independent words, which errs toward rarity.
func (l *learner) bgRatio(gram []string) float64 {
	r := 1.0
	for i, w := range gram {
		if i == 0 {
			r = l.bg.Ratio(w)
		} else {
			r = min(r, l.bg.Ratio(w)) * 0.5
		}
	}
	return r
}

// weightFor maps coverage and rarity to a weight on a 0.5 grid in [0.5, 3].
func weightFor(coverage, ratio float64) float64 {
	w := coverage * math.Log10(1/ratio)
	return math.Max(0.5, math.Min(3, math.Round(w*2)/2))
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func pct(n, of int) string { return fmt.Sprintf("%d/%d", n, of) }
