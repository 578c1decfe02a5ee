package match

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// FuzzScoreText scores arbitrary text against a topic using every pattern
// kind: it must not panic, every place must point at the text it reports,
// and Tokenize must agree with Words(Fold(...)) on valid UTF-8.
func FuzzScoreText(f *testing.F) {
	topic := mustCompile(f, TopicSpec{
		Name: "fuzz", Threshold: 1, TitleBoost: 2,
		Facets:    []FacetSpec{{Name: "a"}},
		Terms:     []TermSpec{{Text: "talks", Weight: 1, Facet: "a", Aliases: []string{"müzakere*", "*محادثات", "peace talks"}}},
		Entities:  []EntitySpec{{Name: "Pakistan", Weight: 1, Aliases: []string{"پاکستان", "पाकिस्तान", "Pakistani Taliban"}}},
		Negatives: []TermSpec{{Text: "cricket", Weight: 1}},
	})
	for _, s := range []string{"Pakistan peace talks", "“Pakistani Taliban’s” müzakereleri", "والمحادثات پاکستان", "पाकिस्तान", "\xff\xfe talks", "a\u0301\u0308 ﬁ ＴＴＰ", "ปากีสถาน巴基斯坦"} {
		f.Add("title "+s, s)
	}
	f.Fuzz(func(t *testing.T, title, body string) {
		v := topic.ScoreText(title, body)
		for _, m := range v.Matches {
			for _, p := range m.Places {
				src := body
				if p.Field == "title" {
					src = title
				}
				if p.Start < 0 || p.End > len(src) || p.Start > p.End || src[p.Start:p.End] != p.Text {
					t.Fatalf("bad place %+v for %q", p, src)
				}
			}
		}
		if v.Keep != (v.Score >= v.Threshold && len(v.Missing) == 0) {
			t.Fatalf("inconsistent verdict %+v", v)
		}
		_ = v.Explain()
		for _, tk := range Tokenize(body) {
			if tk.Start < 0 || tk.End > len(body) || tk.Start >= tk.End {
				t.Fatalf("token %+v out of range", tk)
			}
			if utf8.ValidString(body) && !slices.Contains(Words(Fold(body[tk.Start:tk.End])), tk.Word) {
				t.Fatalf("token %q is not a word of its span %q", tk.Word, body[tk.Start:tk.End])
			}
		}
	})
}

// FuzzLearn learns from arbitrary texts: it must not panic, and whatever it
// learns must render to TOML that decodes back and compiles.
func FuzzLearn(f *testing.F) {
	f.Add("Pakistan and Afghanistan held talks in Istanbul. Tehrik-i-Taliban Pakistan (TTP) was discussed.",
		"Khawaja Muhammad Asif said the Istanbul talks with Afghanistan failed. Khawaja Asif blamed Kabul.", "cricket match")
	f.Add("", "", "")
	f.Add("\xff A B C (ABC) D-e-F", "ÄÖÜ äöü Türkiye Turkey", "x")
	f.Fuzz(func(t *testing.T, a, b, neg string) {
		res, err := Learn(LearnOptions{Name: "fuzz", Examples: []Doc{{Text: a}, {Text: b}}, Negatives: []Doc{{Text: neg}}})
		if err != nil {
			if strings.HasPrefix(err.Error(), "learn: learned rules do not compile") {
				t.Fatal(err)
			}
			return
		}
		out := RenderTOML(res.Spec, []string{res.Summary()}, res.Notes)
		var cfg struct {
			Topic []TopicSpec `toml:"topic"`
		}
		dec := toml.NewDecoder(bytes.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			t.Fatalf("rendered TOML does not decode: %v\n%s", err, out)
		}
		if _, err := CompileTopic(cfg.Topic[0]); err != nil {
			t.Fatalf("decoded topic does not compile: %v\n%s", err, out)
		}
	})
}

// FuzzReadExamples parses arbitrary label files.
func FuzzReadExamples(f *testing.F) {
	f.Add(`{"title":"a","text":"b","label":1}` + "\n" + `{"text":"c","label":0}`)
	f.Add(`{"label":2}`)
	f.Add("\n\n{")
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := ReadExamples(strings.NewReader(in), "f")
		if err != nil {
			return
		}
		for _, e := range ex {
			if e.Label != 0 && e.Label != 1 {
				t.Fatalf("label %d accepted", e.Label)
			}
		}
	})
}

// FuzzCompile compiles arbitrary rule texts: errors are fine, panics are not,
// and a compiled topic scores its own rule text.
func FuzzCompile(f *testing.F) {
	f.Add("talks", "Kabul", "کابل")
	f.Add("*محادثات", "müzakere*", "a*b")
	f.Add("", "**", "\x00")
	f.Fuzz(func(t *testing.T, term, entity, alias string) {
		topic, err := CompileTopic(TopicSpec{Name: "f", Terms: []TermSpec{{Text: term, Weight: 1}},
			Entities: []EntitySpec{{Name: entity, Weight: 1, Aliases: []string{alias}}}})
		if err != nil {
			return
		}
		if !strings.Contains(term, "*") {
			if v := topic.ScoreText("", term); v.Score <= 0 && !strings.Contains(entity+alias, "*") {
				t.Fatalf("term %q does not match itself: %s", term, v.Explain())
			}
		}
	})
}
