package match

import (
	"fmt"
	"math"
	"strings"
	"sync"
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

// TermSpec is a word or phrase with a weight, optionally counting toward a
// facet. Aliases are other spellings or translations that count as the same
// term (any script).
type TermSpec struct {
	Text    string   `toml:"text"`
	Weight  float64  `toml:"weight"`
	Facet   string   `toml:"facet,omitempty"`
	Aliases []string `toml:"aliases,omitempty"`
}

// EntitySpec is a named thing with every spelling it goes by.
type EntitySpec struct {
	Name    string   `toml:"name"`
	Aliases []string `toml:"aliases"`
	Weight  float64  `toml:"weight"`
	Facet   string   `toml:"facet,omitempty"`
}

// FacetSpec is a group of rules an on-topic item must cover: at least Min of
// the rules tagged with this facet must fire (Min 0 means 1).
type FacetSpec struct {
	Name string `toml:"name"`
	Min  int    `toml:"min"`
}

// Topic is a compiled topic. It is immutable and safe for concurrent use.
type Topic struct {
	spec   TopicSpec
	rules  []rule
	facets []facet
	auto   *automaton
	owner  []int32 // pattern id -> rule index
	boost  float64
	pool   sync.Pool
	// noCache turns the fold cache off (benchmarks of the cold path).
	noCache bool
}

type rule struct {
	kind   string // "term", "entity", "negative"
	name   string
	weight float64 // negative for negatives
	facet  int     // index into facets, -1 for none
}

// label is the rule's name in hits, e.g. "term:talks".
func (r *rule) label() string { return r.kind + ":" + r.name }

type facet struct {
	name  string
	min   int
	rules int
}

// Name returns the topic's name.
func (t *Topic) Name() string { return t.spec.Name }

// Spec returns the spec the topic was compiled from. Its slices are shared
// with the topic: do not modify them.
func (t *Topic) Spec() TopicSpec { return t.spec }

// Firehose reports whether the topic has no rules and so keeps every item.
func (t *Topic) Firehose() bool { return len(t.rules) == 0 }

// CompileTopic validates spec and compiles it. Errors name the rule (by
// table and position) and the field at fault, for example
// `entity[2] "Kabul": aliases[1]: "!" has no words`; the caller adds which
// topic (config load names it with its file and line).
func CompileTopic(spec TopicSpec) (*Topic, error) {
	c := compiler{t: &Topic{spec: spec, auto: newAutomaton()}, seen: map[string]string{}}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c.t, nil
}

type compiler struct {
	t       *Topic
	facetIx map[string]int
	seen    map[string]string // folded pattern -> rule that owns it
}

func (c *compiler) compile() error {
	s := &c.t.spec
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("name: must not be empty")
	}
	if !finite(s.Threshold) || s.Threshold < 0 {
		return fmt.Errorf("threshold: must be a number >= 0, got %v", s.Threshold)
	}
	if !finite(s.TitleBoost) || s.TitleBoost < 0 {
		return fmt.Errorf("title_boost: must be a number >= 0 (0 or 1 means no boost), got %v", s.TitleBoost)
	}
	c.t.boost = s.TitleBoost
	if c.t.boost == 0 {
		c.t.boost = 1
	}
	c.facetIx = map[string]int{}
	for i, f := range s.Facets {
		at := fmt.Sprintf("facet[%d]", i)
		if strings.TrimSpace(f.Name) == "" {
			return fmt.Errorf("%s: name: must not be empty", at)
		}
		if _, dup := c.facetIx[f.Name]; dup {
			return fmt.Errorf("%s %q: name: declared twice", at, f.Name)
		}
		if f.Min < 0 {
			return fmt.Errorf("%s %q: min: must be >= 0, got %d", at, f.Name, f.Min)
		}
		c.facetIx[f.Name] = i
		c.t.facets = append(c.t.facets, facet{name: f.Name, min: max(f.Min, 1)})
	}
	for i, r := range s.Terms {
		if err := c.add("term", i, r.Text, "text", r.Aliases, r.Weight, r.Facet); err != nil {
			return err
		}
	}
	for i, r := range s.Entities {
		if err := c.add("entity", i, r.Name, "name", r.Aliases, r.Weight, r.Facet); err != nil {
			return err
		}
	}
	for i, r := range s.Negatives {
		if r.Facet != "" {
			return fmt.Errorf("negative[%d] %q: facet: negatives cannot count toward a facet", i, r.Text)
		}
		if err := c.add("negative", i, r.Text, "text", r.Aliases, r.Weight, ""); err != nil {
			return err
		}
	}
	for i, f := range c.t.facets {
		if f.rules < f.min {
			return fmt.Errorf("facet[%d] %q: min: needs %d rules but only %d name this facet", i, f.name, f.min, f.rules)
		}
	}
	if len(c.t.rules) == 0 && len(c.t.facets) > 0 {
		return fmt.Errorf("facet[0] %q: a topic without rules is a firehose and cannot have facets", c.t.facets[0].name)
	}
	return nil
}

func (c *compiler) add(kind string, i int, name, nameField string, aliases []string, weight float64, facetName string) error {
	at := fmt.Sprintf("%s[%d]", kind, i)
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%s: %s: must not be empty", at, nameField)
	}
	at = fmt.Sprintf("%s %q", at, name)
	if !finite(weight) || weight <= 0 {
		return fmt.Errorf("%s: weight: must be a number > 0, got %v", at, weight)
	}
	r := rule{kind: kind, name: name, weight: weight, facet: -1}
	if kind == "negative" {
		r.weight = -weight
	}
	if facetName != "" {
		fi, ok := c.facetIx[facetName]
		if !ok {
			return fmt.Errorf("%s: facet: %q is not declared in a [[topic.facet]] table", at, facetName)
		}
		r.facet = fi
		c.t.facets[fi].rules++
	}
	ri := int32(len(c.t.rules))
	texts := append([]string{name}, aliases...)
	for j, text := range texts {
		field := nameField
		if j > 0 {
			field = fmt.Sprintf("aliases[%d]", j-1)
		}
		words, problem := parsePattern(text)
		if problem != "" {
			return fmt.Errorf("%s: %s: %q %s", at, field, text, problem)
		}
		key := patternKey(words)
		if owner, dup := c.seen[key]; dup {
			if owner == at {
				continue // two spellings that fold alike, e.g. Türkiye/Turkiye
			}
			return fmt.Errorf("%s: %s: %q is already matched by %s", at, field, text, owner)
		}
		c.seen[key] = at
		if id := c.t.auto.add(words); int(id) != len(c.t.owner) {
			panic("match: pattern ids out of step")
		}
		c.t.owner = append(c.t.owner, ri)
	}
	c.t.rules = append(c.t.rules, r)
	return nil
}

func patternKey(words []patWord) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = w.String()
	}
	return strings.Join(parts, " ")
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
