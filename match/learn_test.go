package match

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

var showLearned = flag.Bool("show-learned", false, "print the topic learned from the seeds")

func seedDocs(t testing.TB) []Doc {
	t.Helper()
	shared := sharedDir(t)
	paths, err := filepath.Glob(filepath.Join(shared, "seeds", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Skipf("no seed articles in %s", shared)
	}
	var docs []Doc
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{Text: string(b)})
	}
	return docs
}

// offTopicCorpus is every corpus news item except the talks items and the
// ambiguous ones.
func offTopicCorpus(t testing.TB) []Doc {
	var docs []Doc
	for _, d := range newsDocs(t, sharedDir(t)) {
		if d.ID != "" && (datasetLabels[d.ID] || ambiguousIDs[d.ID]) {
			continue
		}
		docs = append(docs, Doc{Title: d.Title, Text: d.Text})
	}
	return docs
}

func TestLearnSeeds(t *testing.T) {
	opts := LearnOptions{Name: "afpak-talks", Examples: seedDocs(t), Background: offTopicCorpus(t)}
	res, err := Learn(opts)
	if err != nil {
		t.Fatal(err)
	}
	out := RenderTOML(res.Spec, []string{res.Summary()}, res.Notes)
	if *showLearned {
		os.Stdout.Write(out)
	}
	t.Log(res.Summary())
	if res.Margin <= 0 {
		t.Errorf("margin %v: examples and background not separated", res.Margin)
	}
	if res.BackgroundKept != 0 {
		t.Errorf("%d background documents kept", res.BackgroundKept)
	}
	topic, err := CompileTopic(res.Spec)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range opts.Examples {
		if v := topic.ScoreText(d.Title, d.Text); !v.Keep {
			t.Errorf("example %d dropped:\n%s", i, v.Explain())
		}
	}
	ents := map[string]EntitySpec{}
	for _, e := range res.Spec.Entities {
		ents[e.Name] = e
	}
	wantAliases := map[string][]string{
		"Türkiye":     {"Turkey", "Turkiye"},
		"Afghanistan": {"Afghan"},
	}
	for name, want := range wantAliases {
		e, ok := ents[name]
		if !ok {
			t.Errorf("entity %q not learned", name)
			continue
		}
		for _, a := range want {
			if !containsFold(e.Aliases, a) {
				t.Errorf("entity %q: aliases %q lack %q", name, e.Aliases, a)
			}
		}
	}
	ttp := findEntityWith(res.Spec.Entities, "TTP")
	if ttp == nil {
		t.Fatalf("no entity has alias TTP")
	}
	for _, a := range []string{"Tehrik-i-Taliban Pakistan", "Tehrik-e-Taliban Pakistan"} {
		if !containsFold(append(ttp.Aliases, ttp.Name), a) {
			t.Errorf("TTP entity %q / %q lacks transliteration %q", ttp.Name, ttp.Aliases, a)
		}
	}
	asif := findEntityWith(res.Spec.Entities, "Khawaja Asif")
	if asif == nil || !containsFold(append(asif.Aliases, asif.Name), "Khawaja Muhammad Asif") {
		t.Errorf("Khawaja Asif not merged with Khawaja Muhammad Asif: %+v", asif)
	}
	again, err := Learn(opts)
	if err != nil {
		t.Fatal(err)
	}
	if out2 := RenderTOML(again.Spec, []string{again.Summary()}, again.Notes); !bytes.Equal(out, out2) {
		t.Errorf("learning twice gave different bytes")
	}
	var decoded struct {
		Topic []TopicSpec `toml:"topic"`
	}
	dec := toml.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&decoded); err != nil {
		t.Fatalf("rendered TOML does not decode: %v\n%s", err, out)
	}
	if len(decoded.Topic) != 1 {
		t.Fatalf("decoded %d topics, want 1", len(decoded.Topic))
	}
	if out3 := RenderTOML(decoded.Topic[0], []string{again.Summary()}, again.Notes); !bytes.Equal(out, out3) {
		t.Errorf("TOML round trip changed the topic:\n%s", out3)
	}
}

func containsFold(list []string, s string) bool {
	for _, a := range list {
		if foldKey(a) == foldKey(s) {
			return true
		}
	}
	return false
}

func findEntityWith(ents []EntitySpec, alias string) *EntitySpec {
	for i, e := range ents {
		if containsFold(append(append([]string{}, e.Aliases...), e.Name), alias) {
			return &ents[i]
		}
	}
	return nil
}

func TestLearnErrors(t *testing.T) {
	if _, err := Learn(LearnOptions{Examples: []Doc{{Text: "x"}}}); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("missing name: err = %v", err)
	}
	if _, err := Learn(LearnOptions{Name: "x"}); err == nil || !strings.Contains(err.Error(), "example") {
		t.Errorf("no examples: err = %v", err)
	}
}
