package match

import (
	"math"
	"strings"
	"testing"
)

func mustCompile(t testing.TB, spec TopicSpec) *Topic {
	t.Helper()
	topic, err := CompileTopic(spec)
	if err != nil {
		t.Fatal(err)
	}
	return topic
}

func TestCompileErrors(t *testing.T) {
	ok := TermSpec{Text: "talks", Weight: 1}
	tests := []struct {
		name string
		spec TopicSpec
		want string
	}{
		{"no name", TopicSpec{}, "name: must not be empty"},
		{"negative threshold", TopicSpec{Name: "t", Threshold: -1}, `threshold: must be a number >= 0, got -1`},
		{"nan boost", TopicSpec{Name: "t", TitleBoost: math.NaN()}, `title_boost: must be a number >= 0 (0 or 1 means no boost), got NaN`},
		{"empty term", TopicSpec{Name: "t", Terms: []TermSpec{ok, {Weight: 1}}}, `term[1]: text: must not be empty`},
		{"zero weight", TopicSpec{Name: "t", Terms: []TermSpec{{Text: "talks"}}}, `term[0] "talks": weight: must be a number > 0, got 0`},
		{"no words", TopicSpec{Name: "t", Terms: []TermSpec{{Text: "--", Weight: 1}}}, `term[0] "--": text: "--" has no words`},
		{"bad alias", TopicSpec{Name: "t", Entities: []EntitySpec{{Name: "Kabul", Weight: 1, Aliases: []string{"کابل", "!"}}}}, `entity[0] "Kabul": aliases[1]: "!" has no words`},
		{"undeclared facet", TopicSpec{Name: "t", Terms: []TermSpec{{Text: "talks", Weight: 1, Facet: "talk"}}}, `term[0] "talks": facet: "talk" is not declared in a [[topic.facet]] table`},
		{"duplicate facet", TopicSpec{Name: "t", Facets: []FacetSpec{{Name: "a"}, {Name: "a"}}}, `facet[1] "a": name: declared twice`},
		{"facet min too high", TopicSpec{Name: "t", Facets: []FacetSpec{{Name: "a", Min: 2}}, Terms: []TermSpec{{Text: "x", Weight: 1, Facet: "a"}}}, `facet[0] "a": min: needs 2 rules but only 1 name this facet`},
		{"negative min", TopicSpec{Name: "t", Facets: []FacetSpec{{Name: "a", Min: -1}}}, `facet[0] "a": min: must be >= 0, got -1`},
		{"same pattern twice", TopicSpec{Name: "t", Terms: []TermSpec{ok}, Entities: []EntitySpec{{Name: "Talks", Weight: 1}}}, `entity[0] "Talks": name: "Talks" is already matched by term[0] "talks"`},
		{"negative with facet", TopicSpec{Name: "t", Negatives: []TermSpec{{Text: "x", Weight: 1, Facet: "a"}}}, `negative[0] "x": facet: negatives cannot count toward a facet`},
		{"wildcard inside", TopicSpec{Name: "t", Terms: []TermSpec{{Text: "ne*go", Weight: 1}}}, `term[0] "ne*go": text: "ne*go" "*" may only start or end a word, not both`},
		{"short wildcard", TopicSpec{Name: "t", Terms: []TermSpec{{Text: "ab*", Weight: 1}}}, `term[0] "ab*": text: "ab*" a wildcard word needs at least 3 letters`},
		{"facets without rules", TopicSpec{Name: "t", Facets: []FacetSpec{{Name: "a"}}}, `facet[0] "a": min: needs 1 rules but only 0 name this facet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileTopic(tt.spec)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestFirehose(t *testing.T) {
	topic := mustCompile(t, TopicSpec{Name: "all"})
	if !topic.Firehose() {
		t.Fatal("empty topic is not a firehose")
	}
	v := topic.Score(&Item{Title: "anything"})
	if !v.Keep || !v.Firehose || !strings.Contains(v.Explain(), "firehose") {
		t.Fatalf("firehose verdict %+v", v)
	}
}

func TestScoreMatching(t *testing.T) {
	topic := mustCompile(t, TopicSpec{
		Name: "t", Threshold: 2, TitleBoost: 2,
		Facets: []FacetSpec{{Name: "pk"}, {Name: "talks"}},
		Terms: []TermSpec{
			{Text: "talks", Weight: 1, Facet: "talks", Aliases: []string{"müzakere*", "*محادثات"}},
			{Text: "peace talks", Weight: 1},
		},
		Entities: []EntitySpec{
			{Name: "Pakistan", Weight: 1, Facet: "pk", Aliases: []string{"पाकिस्तान"}},
			{Name: "TTP", Weight: 1, Aliases: []string{"Tehrik-i-Taliban Pakistan", "Pakistani Taliban"}},
			{Name: "Türkiye", Weight: 1, Aliases: []string{"Turkey"}},
		},
		Negatives: []TermSpec{{Text: "cricket", Weight: 5}},
	})
	tests := []struct {
		name, title, body string
		keep              bool
		rules             []string
	}{
		{"basic", "", "Pakistan talks", true, []string{"entity:Pakistan", "term:talks"}},
		{"not inside words", "", "Pakistanis stalk the talkshow", false, nil},
		{"diacritics and case", "", "PAKISTAN held TALKS in TURKIYE", true, []string{"entity:Pakistan", "term:talks", "entity:Türkiye"}},
		{"hyphens and spaces alike", "", "Tehrik i Taliban Pakistan and talks", false, []string{"entity:TTP", "term:talks"}},
		{"longest match wins", "", "Pakistani Taliban talks", false, []string{"entity:TTP", "term:talks"}},
		{"longer phrase takes the words", "", "Pakistan peace talks", false, []string{"entity:Pakistan", "term:peace talks"}},
		{"turkish prefix", "", "Pakistan ile müzakereler sürüyor", true, []string{"entity:Pakistan", "term:talks"}},
		{"arabic attached", "", "Pakistan والمحادثات", true, []string{"entity:Pakistan", "term:talks"}},
		{"hindi", "", "पाकिस्तान talks", true, []string{"entity:Pakistan", "term:talks"}},
		{"missing facet", "", "talks talks talks", false, []string{"term:talks"}},
		{"negative", "", "Pakistan talks cricket", false, []string{"entity:Pakistan", "term:talks", "negative:cricket"}},
		{"title boost", "Pakistan", "talks", true, []string{"entity:Pakistan", "term:talks"}},
		{"no spaces: no false whole words", "", "ปากีสถานtalksไทย 巴基斯坦Pakistan会谈", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := topic.ScoreText(tt.title, tt.body)
			var got []string
			for _, m := range v.Matches {
				got = append(got, m.Rule)
			}
			if strings.Join(got, ",") != strings.Join(tt.rules, ",") || v.Keep != tt.keep {
				t.Fatalf("rules %q keep %v, want %q keep %v\n%s", got, v.Keep, tt.rules, tt.keep, v.Explain())
			}
			if len(v.Hits) != len(v.Matches) {
				t.Errorf("%d hits for %d matches", len(v.Hits), len(v.Matches))
			}
		})
	}
}

func TestVerdictDetails(t *testing.T) {
	topic := mustCompile(t, TopicSpec{
		Name: "t", Threshold: 3, TitleBoost: 1.5,
		Facets:   []FacetSpec{{Name: "af"}, {Name: "pk"}},
		Entities: []EntitySpec{{Name: "Afghanistan", Weight: 2, Facet: "af", Aliases: []string{"Afghan"}}, {Name: "Pakistan", Weight: 1, Facet: "pk"}},
		Terms:    []TermSpec{{Text: "ceasefire", Weight: 1}},
	})
	title, body := "Afghan truce", "The “Afghanistan’s” ceasefire, said Kabul."
	v := topic.ScoreText(title, body)
	if v.Keep || v.Score != 4 || len(v.Missing) != 1 || v.Missing[0] != "pk" {
		t.Fatalf("verdict %+v", v)
	}
	m := v.Matches[0]
	if m.Rule != "entity:Afghanistan" || m.Weight != 3 || !m.InTitle || m.Count != 2 || m.Facet != "af" {
		t.Fatalf("match %+v", m)
	}
	if p := m.Places[1]; p.Field != "body" || p.Text != "Afghanistan’s" || body[p.Start:p.End] != p.Text {
		t.Errorf("place %+v", p)
	}
	if f := v.Facets[1]; f.Name != "pk" || f.OK || f.Got != 0 || f.Min != 1 {
		t.Errorf("facet %+v", f)
	}
	ex := v.Explain()
	for _, want := range []string{`DROP  score 4, threshold 3`, "+3  entity:Afghanistan  [af] (title boost)  x2", `body@7 "Afghanistan’s"`, `facet "pk"`, "MISSING", "dropped: missing facets: pk"} {
		if !strings.Contains(ex, want) {
			t.Errorf("Explain lacks %q:\n%s", want, ex)
		}
	}
}

func TestTokenizeMatchesWords(t *testing.T) {
	for _, s := range []string{
		"Tehrik‑e‑Taliban Pakistan’s (TTP) talks, 2025",
		"ÖLPREIS café\u0301 ﬁnance Straße ＴＴＰ",
		"اسلام‌آباد و کابل — مذاکرات",
		"पाकिस्तान-अफ़ग़ानिस्तान वार्ता",
		"",
	} {
		toks := Tokenize(s)
		words := Words(Fold(s))
		if len(toks) != len(words) {
			t.Fatalf("Tokenize(%q) = %v, Words = %q", s, toks, words)
		}
		for i, tk := range toks {
			if tk.Word != words[i] {
				t.Errorf("Tokenize(%q)[%d] = %q, want %q", s, i, tk.Word, words[i])
			}
			if tk.Start < 0 || tk.End > len(s) || tk.Start >= tk.End {
				t.Errorf("Tokenize(%q)[%d] span %d..%d", s, i, tk.Start, tk.End)
			}
		}
	}
}
