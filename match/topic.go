package match

import (
	"errors"
	"fmt"
	"strings"
)

// TopicSpec is a topic as written in config.toml (`[[topic]]`) or printed by
// `wirewatch learn`. See doc.go for the rule language.
type TopicSpec struct {
	Name       string       `toml:"name"`
	Threshold  float64      `toml:"threshold"`
	TitleBoost float64      `toml:"title_boost"`
	Terms      []TermSpec   `toml:"term"`
	Entities   []EntitySpec `toml:"entity"`
	Facets     []FacetSpec  `toml:"facet"`
	Negatives  []TermSpec   `toml:"negative"`
}

// TermSpec is a word or phrase with a weight, optionally counting toward a facet.
type TermSpec struct {
	Text   string  `toml:"text"`
	Weight float64 `toml:"weight"`
	Facet  string  `toml:"facet"`
}

// EntitySpec is a named thing with every spelling it goes by.
type EntitySpec struct {
	Name    string   `toml:"name"`
	Aliases []string `toml:"aliases"`
	Weight  float64  `toml:"weight"`
	Facet   string   `toml:"facet"`
}

// FacetSpec is a group of rules an on-topic item must cover: at least Min of
// the rules tagged with this facet must fire.
type FacetSpec struct {
	Name string `toml:"name"`
	Min  int    `toml:"min"`
}

// Verdict is the outcome of scoring one item against one topic.
type Verdict struct {
	Topic     string
	Score     float64
	Threshold float64
	Keep      bool
	Hits      []Hit
	// Missing lists the facets that were not satisfied.
	Missing []string
}

// Topic is a compiled topic. It is immutable and safe for concurrent use.
type Topic struct {
	spec  TopicSpec
	rules []rule
}

type rule struct {
	label    string
	patterns [][]string // each a folded word sequence
	weight   float64
	facet    string
}

// Name returns the topic's name.
func (t *Topic) Name() string { return t.spec.Name }

// Firehose reports whether the topic has no rules and so keeps every item.
func (t *Topic) Firehose() bool { return len(t.rules) == 0 }

// CompileTopic validates spec and compiles it. Errors name the rule at fault.
func CompileTopic(spec TopicSpec) (*Topic, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return nil, errors.New("name: must not be empty")
	}
	t := &Topic{spec: spec}
	facets := map[string]bool{}
	for _, f := range spec.Facets {
		facets[f.Name] = true
	}
	add := func(kind string, i int, label string, texts []string, weight float64, facet string) error {
		if label == "" {
			return fmt.Errorf("%s[%d]: text must not be empty", kind, i)
		}
		if facet != "" && !facets[facet] {
			return fmt.Errorf("%s[%d] %q: facet %q is not declared", kind, i, label, facet)
		}
		r := rule{label: kind + ":" + label, weight: weight, facet: facet}
		for _, s := range texts {
			w := Words(Fold(s))
			if len(w) == 0 {
				return fmt.Errorf("%s[%d] %q: %q has no words", kind, i, label, s)
			}
			r.patterns = append(r.patterns, w)
		}
		t.rules = append(t.rules, r)
		return nil
	}
	for i, s := range spec.Terms {
		if err := add("term", i, s.Text, []string{s.Text}, s.Weight, s.Facet); err != nil {
			return nil, err
		}
	}
	for i, s := range spec.Entities {
		if err := add("entity", i, s.Name, append([]string{s.Name}, s.Aliases...), s.Weight, s.Facet); err != nil {
			return nil, err
		}
	}
	for i, s := range spec.Negatives {
		if err := add("negative", i, s.Text, []string{s.Text}, -abs(s.Weight), ""); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Score scores an item against the topic.
func (t *Topic) Score(it *Item) Verdict {
	v := Verdict{Topic: t.spec.Name, Threshold: t.spec.Threshold}
	if t.Firehose() {
		v.Keep = true
		return v
	}
	title := Words(Fold(it.Title))
	body := Words(Fold(it.Summary))
	facetHits := map[string]int{}
	for _, r := range t.rules {
		inTitle, inBody := false, false
		for _, p := range r.patterns {
			inTitle = inTitle || containsSeq(title, p)
			inBody = inBody || containsSeq(body, p)
		}
		if !inTitle && !inBody {
			continue
		}
		w := r.weight
		if inTitle && t.spec.TitleBoost > 0 {
			w *= t.spec.TitleBoost
		}
		v.Score += w
		v.Hits = append(v.Hits, Hit{Rule: r.label, Weight: w})
		if r.facet != "" {
			facetHits[r.facet]++
		}
	}
	for _, f := range t.spec.Facets {
		if facetHits[f.Name] < max(f.Min, 1) {
			v.Missing = append(v.Missing, f.Name)
		}
	}
	v.Keep = v.Score >= t.spec.Threshold && len(v.Missing) == 0
	return v
}

func containsSeq(words, pat []string) bool {
	for i := 0; i+len(pat) <= len(words); i++ {
		ok := true
		for j := range pat {
			if words[i+j] != pat[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
