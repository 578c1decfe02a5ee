package match

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// loadShippedTopic decodes testdata/afpak-talks.toml strictly and compiles it.
func loadShippedTopic(t testing.TB) *Topic {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "afpak-talks.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Topic []TopicSpec `toml:"topic"`
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("afpak-talks.toml: %v", err)
	}
	if len(cfg.Topic) != 1 {
		t.Fatalf("afpak-talks.toml has %d topics, want 1", len(cfg.Topic))
	}
	topic, err := CompileTopic(cfg.Topic[0])
	if err != nil {
		t.Fatal(err)
	}
	return topic
}

func TestShippedTopicCopiesAgree(t *testing.T) {
	a, err := os.ReadFile(filepath.Join("testdata", "afpak-talks.toml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "topics", "afpak-talks.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("topics/afpak-talks.toml and match/testdata/afpak-talks.toml differ: copy one over the other")
	}
}

// ownExamples are the labelled texts written for this repository.
func ownExamples(t testing.TB) []Example {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "afpak-talks-labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f, "testdata/afpak-talks-labels.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// sharedExamples are the real articles: the seeds (on topic) and every
// dataset item, labelled by datasetLabels (unlisted items are off topic,
// ambiguous ones are left out).
func sharedExamples(t testing.TB) []Example {
	t.Helper()
	var out []Example
	for i, d := range seedDocs(t) {
		out = append(out, Example{Text: d.Text, Label: 1, Source: "seed " + string(rune('0'+i))})
	}
	for _, d := range newsDocs(t, sharedDir(t)) {
		if d.ID == "" || ambiguousIDs[d.ID] {
			continue
		}
		label := 0
		if datasetLabels[d.ID] {
			label = 1
		}
		out = append(out, Example{Title: d.Title, Text: d.Text, Label: label, Source: d.Source + " id " + d.ID})
	}
	return out
}

// TestShippedTopicQualityOwn needs nothing outside the repository.
func TestShippedTopicQualityOwn(t *testing.T) {
	r := Evaluate(loadShippedTopic(t), ownExamples(t))
	t.Logf("shipped topic on own examples: precision %.3f recall %.3f F1 %.3f", r.Precision, r.Recall, r.F1)
	if r.Precision < 0.95 || r.Recall < 0.95 {
		t.Errorf("precision %.3f, recall %.3f: both must be >= 0.95\n%s", r.Precision, r.Recall, r.Report())
	}
}

func TestShippedTopicQuality(t *testing.T) {
	topic := loadShippedTopic(t)
	own := ownExamples(t)
	var ownPos, ownNeg int
	for _, e := range own {
		if e.Label == 1 {
			ownPos++
		} else {
			ownNeg++
		}
	}
	if ownPos < 20 || ownNeg < 40 {
		t.Fatalf("own labelled set too small: %d positives, %d negatives", ownPos, ownNeg)
	}
	all := append(own, sharedExamples(t)...)
	r := Evaluate(topic, all)
	t.Logf("shipped topic on %d examples: precision %.3f recall %.3f F1 %.3f (TP %d FP %d TN %d FN %d)",
		len(all), r.Precision, r.Recall, r.F1, r.TP, r.FP, r.TN, r.FN)
	if r.Precision < 0.95 || r.Recall < 0.95 {
		t.Errorf("precision %.3f, recall %.3f: both must be >= 0.95\n%s", r.Precision, r.Recall, r.Report())
	}
	if testing.Verbose() && len(r.Misclassified) > 0 {
		t.Log(r.Report())
	}
}

func TestShippedTopicKeepsSeeds(t *testing.T) {
	topic := loadShippedTopic(t)
	for i, d := range seedDocs(t) {
		v := topic.ScoreText(d.Title, d.Text)
		if !v.Keep {
			t.Errorf("seed %d dropped:\n%s", i, v.Explain())
		}
		title, text := lead(d)
		if v := topic.ScoreText(title, text); !v.Keep {
			t.Errorf("lead of seed %d dropped:\n%s", i, v.Explain())
		}
	}
}

func TestEvaluateCounts(t *testing.T) {
	topic, err := CompileTopic(TopicSpec{Name: "t", Threshold: 1, Terms: []TermSpec{{Text: "talks", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ex := []Example{
		{Text: "peace talks", Label: 1},
		{Text: "talks about cricket", Label: 0},
		{Text: "a ceasefire", Label: 1},
		{Text: "weather", Label: 0},
	}
	r := Evaluate(topic, ex)
	if r.TP != 1 || r.FP != 1 || r.FN != 1 || r.TN != 1 {
		t.Fatalf("counts TP %d FP %d FN %d TN %d, want 1 each", r.TP, r.FP, r.FN, r.TN)
	}
	if r.Precision != 0.5 || r.Recall != 0.5 || r.F1 != 0.5 {
		t.Errorf("P %v R %v F1 %v, want 0.5 each", r.Precision, r.Recall, r.F1)
	}
	if len(r.Misclassified) != 2 || r.Misclassified[0].Example.Text != "talks about cricket" {
		t.Errorf("misclassified = %+v", r.Misclassified)
	}
	rep := r.Report()
	for _, want := range []string{"precision 0.500", "false positive", "false negative", "no rule matched"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}

func TestReadExamples(t *testing.T) {
	tests := []struct {
		name, in, err string
		n             int
	}{
		{"ok", `{"title":"a","text":"b","label":1}` + "\n\n" + `{"text":"c","label":0}`, "", 2},
		{"bool labels", `{"text":"c","label":true}`, "", 1},
		{"bad json", `{"text":`, "x.jsonl:1: not a JSON object", 0},
		{"no label", `{"text":"c"}`, "x.jsonl:1: label: missing", 0},
		{"label 2", "\n" + `{"text":"c","label":2}`, "x.jsonl:2: label: 2 is not 0 or 1", 0},
		{"empty", `{"title":" ","label":1}`, "x.jsonl:1: title and text are both empty", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := ReadExamples(strings.NewReader(tt.in), "x.jsonl")
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want prefix %q", err, tt.err)
				}
				return
			}
			if err != nil || len(ex) != tt.n {
				t.Fatalf("got %d examples, err %v; want %d", len(ex), err, tt.n)
			}
		})
	}
}
