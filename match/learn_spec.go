package match

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// buildSpec turns the learned entities and terms into a TopicSpec.
func (l *learner) buildSpec() {
	s := &l.res.Spec
	s.Name = l.opts.Name
	s.TitleBoost = 1.5
	n := len(l.ex)
	sideFacet := map[int]string{}
	for _, g := range l.sides {
		name := foldKey(places[g.place].name)
		sideFacet[g.place] = name
		s.Facets = append(s.Facets, FacetSpec{Name: name, Min: 1})
		l.res.Notes["facet:"+name] = fmt.Sprintf("one side of the story: %s is named %d times across %d examples", places[g.place].name, g.mentions, n)
	}
	event := ""
	for _, t := range l.terms {
		if t.df*10 >= n*8 {
			event = t.text()
			s.Facets = append(s.Facets, FacetSpec{Name: event, Min: 1})
			l.res.Notes["facet:"+event] = "what happens: terms found in at least 80% of the examples"
			break
		}
	}
	ents := slicesClone(l.entities)
	sort.SliceStable(ents, func(i, j int) bool {
		if (ents[i].side >= 0) != (ents[j].side >= 0) {
			return ents[i].side >= 0
		}
		return ents[i].mentions > ents[j].mentions
	})
	for _, g := range ents {
		ratio := 1.0
		for k := range g.keys {
			ratio = math.Min(ratio, l.bgRatio(strings.Fields(k)))
		}
		e := EntitySpec{Name: g.name(), Aliases: g.aliases(), Weight: weightFor(float64(g.exDF)/float64(n), ratio)}
		if g.side >= 0 {
			e.Facet = sideFacet[g.side]
		}
		if e.Aliases == nil {
			e.Aliases = []string{}
		}
		s.Entities = append(s.Entities, e)
		note := fmt.Sprintf("in %s examples, %d mentions, %.1f%% of background", pct(g.exDF, n), g.mentions, 100*ratio)
		if g.place >= 0 && !g.capital {
			note += "; known names of " + places[g.place].name + " added"
		}
		for _, w := range g.why {
			note += "\n" + w
		}
		l.res.Notes["entity:"+e.Name] = note
	}
	for _, t := range l.terms {
		ts := TermSpec{Text: t.text(), Weight: weightFor(float64(t.df)/float64(n), t.ratio)}
		if event != "" && t.df*10 >= n*8 {
			ts.Facet = event
		}
		s.Terms = append(s.Terms, ts)
		l.res.Notes["term:"+ts.Text] = l.termNote(t, n, "examples")
	}
	for _, t := range l.negTerms {
		ts := TermSpec{Text: t.text(), Weight: 1}
		s.Negatives = append(s.Negatives, ts)
		l.res.Notes["negative:"+ts.Text] = l.termNote(t, len(l.neg), "negative examples") + ", in no example"
	}
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

// calibrate drops facets an example does not cover, then sets the threshold
// between the lowest example and the highest facet-covering background
// document, and the negative weights so that one negative cancels half of
// the threshold.
func (l *learner) calibrate() error {
	s := &l.res.Spec
	for {
		t, err := CompileTopic(*s)
		if err != nil {
			return fmt.Errorf("learn: learned rules do not compile: %w", err)
		}
		missing := ""
		for _, d := range l.opts.Examples {
			if v := t.ScoreText(d.Title, d.Text); len(v.Missing) > 0 {
				missing = v.Missing[0]
				break
			}
		}
		if missing == "" {
			break
		}
		l.dropFacet(missing)
	}
	t, _ := CompileTopic(*s)
	r := l.res
	r.MinExample = math.Inf(1)
	for _, d := range l.opts.Examples {
		v := t.ScoreText(d.Title, d.Text)
		r.ExampleScores = append(r.ExampleScores, v.Score)
		r.MinExample = math.Min(r.MinExample, v.Score)
	}
	for _, d := range l.opts.Background {
		v := t.ScoreText(d.Title, d.Text)
		r.BackgroundScores = append(r.BackgroundScores, v.Score)
		if len(v.Missing) == 0 {
			r.MaxBackground = math.Max(r.MaxBackground, v.Score)
		}
	}
	// Feed items are mostly a headline and a sentence or two, so the
	// threshold is set against the examples' leads as well as their full
	// text: the lowest lead that covers every facet counts as an example,
	// unless some background document scores as high.
	low := r.MinExample
	for _, d := range l.opts.Examples {
		if v := t.ScoreText(lead(d)); len(v.Missing) == 0 {
			low = math.Min(low, v.Score)
		}
	}
	r.MinLead = low
	if r.MaxBackground >= low {
		// Leads do not clear the background: fall back to full examples.
		low = r.MinExample
	}
	th := low / 2
	if r.MaxBackground > 0 && r.MaxBackground < low {
		th = (low + r.MaxBackground) / 2
	}
	th = math.Floor(th*2) / 2
	if th <= r.MaxBackground && r.MaxBackground < low {
		th = (low + r.MaxBackground) / 2
	}
	s.Threshold = round2(th)
	r.Margin = round2(math.Min(low-th, th-r.MaxBackground))
	for i := range s.Negatives {
		s.Negatives[i].Weight = math.Max(1, math.Round(th))
	}
	t, err := CompileTopic(*s)
	if err != nil {
		return fmt.Errorf("learn: learned rules do not compile: %w", err)
	}
	for _, d := range l.opts.Background {
		if t.ScoreText(d.Title, d.Text).Keep {
			r.BackgroundKept++
		}
	}
	return nil
}

func (l *learner) dropFacet(name string) {
	s := &l.res.Spec
	for i, f := range s.Facets {
		if f.Name == name {
			s.Facets = append(s.Facets[:i], s.Facets[i+1:]...)
			break
		}
	}
	for i := range s.Terms {
		if s.Terms[i].Facet == name {
			s.Terms[i].Facet = ""
		}
	}
	for i := range s.Entities {
		if s.Entities[i].Facet == name {
			s.Entities[i].Facet = ""
		}
	}
	delete(l.res.Notes, "facet:"+name)
}

// Summary is a few lines for people: threshold, scores and margin.
func (r *LearnResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "threshold %s: lowest example score %s (lead only: %s)", num(r.Spec.Threshold), num(r.MinExample), num(r.MinLead))
	if len(r.BackgroundScores) > 0 {
		fmt.Fprintf(&b, ", highest background score covering every facet %s, %d of %d background documents kept", num(r.MaxBackground), r.BackgroundKept, len(r.BackgroundScores))
	} else {
		b.WriteString(", no background documents given (threshold at half the lowest example)")
	}
	fmt.Fprintf(&b, "; margin %s", num(r.Margin))
	return b.String()
}

// lead is a document's title and first 400 bytes of text: what a feed item
// usually carries.
func lead(d Doc) (string, string) {
	text := d.Text
	if len(text) > 400 {
		cut := 400
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return d.Title, text
}
