package match

import (
	"fmt"
	"strings"
	"testing"
)

// benchItem is a 2 KB item made of this repository's own labelled texts.
func benchItem(b *testing.B) (string, string) {
	b.Helper()
	var sb strings.Builder
	for _, ex := range ownExamples(b) {
		sb.WriteString(ex.Title + ". " + ex.Text + " ")
		if sb.Len() >= 2048 {
			break
		}
	}
	body := sb.String()
	for len(body) > 2048 {
		body = body[:len(body)-1]
	}
	return "Pakistan and Afghanistan resume talks in Istanbul", strings.ToValidUTF8(body, "")
}

// syntheticTopic builds a topic of n rules: words, two-word phrases,
// entities with aliases, wildcards and negatives over a made-up vocabulary
// plus the real words of the item, so many rules fire.
func syntheticTopic(b *testing.B, n int) *Topic {
	b.Helper()
	spec := TopicSpec{Name: "synthetic", Threshold: 5, TitleBoost: 1.5, Facets: []FacetSpec{{Name: "a"}, {Name: "b"}}}
	real := []string{"pakistan", "afghanistan", "talks", "istanbul", "doha", "ceasefire", "delegation", "qatar", "kabul", "islamabad"}
	for i := range n {
		w := fmt.Sprintf("w%dx", i)
		switch i % 5 {
		case 0:
			spec.Terms = append(spec.Terms, TermSpec{Text: w, Weight: 1, Facet: "a"})
		case 1:
			spec.Terms = append(spec.Terms, TermSpec{Text: w + " " + real[i%len(real)], Weight: 1, Facet: "b"})
		case 2:
			spec.Entities = append(spec.Entities, EntitySpec{Name: w + " entity", Weight: 2, Aliases: []string{w + "alias", w + "-x y"}})
		case 3:
			spec.Terms = append(spec.Terms, TermSpec{Text: w + "pre*", Weight: 1})
		case 4:
			spec.Negatives = append(spec.Negatives, TermSpec{Text: real[i%len(real)] + " " + w, Weight: 1})
		}
	}
	for _, r := range real {
		spec.Terms = append(spec.Terms, TermSpec{Text: r, Weight: 1, Facet: "a"})
	}
	return mustCompile(b, spec)
}

func benchScore(b *testing.B, topic *Topic) {
	title, body := benchItem(b)
	b.SetBytes(int64(len(title) + len(body)))
	b.ReportAllocs()
	var v Verdict
	for b.Loop() {
		v = topic.ScoreText(title, body)
	}
	if len(v.Matches) == 0 {
		b.Fatal("no rule matched the benchmark item")
	}
}

func BenchmarkScoreShipped(b *testing.B) { benchScore(b, loadShippedTopic(b)) }

// BenchmarkScoreShippedCold folds every chunk afresh, as for an item whose
// words were never seen before.
func BenchmarkScoreShippedCold(b *testing.B) {
	topic := loadShippedTopic(b)
	topic.noCache = true
	benchScore(b, topic)
}

func BenchmarkScore1000Rules(b *testing.B) { benchScore(b, syntheticTopic(b, 1000)) }

func BenchmarkScore10Rules(b *testing.B) { benchScore(b, syntheticTopic(b, 10)) }

func BenchmarkLearnSeeds(b *testing.B) {
	opts := LearnOptions{Name: "afpak-talks", Examples: seedDocs(b)}
	for b.Loop() {
		if _, err := Learn(opts); err != nil {
			b.Fatal(err)
		}
	}
}
