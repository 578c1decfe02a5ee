package match

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Example is one labelled text for evaluating a topic: a line of a
// LABELS.jsonl file, {"title": ..., "text": ..., "label": 1}.
type Example struct {
	Title string `json:"title"`
	Text  string `json:"text"`
	// Label is 1 for on topic, 0 for off topic.
	Label int `json:"label"`
	// Source says where the example came from (file:line); not in the file.
	Source string `json:"-"`
}

// ReadExamples parses JSON Lines of examples. Blank lines are skipped;
// every other line must be an object with a label of 0 or 1 and some text.
// Errors name the line.
func ReadExamples(r io.Reader, name string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var raw struct {
			Title *string         `json:"title"`
			Text  *string         `json:"text"`
			Label json.RawMessage `json:"label"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("%s:%d: not a JSON object: %v", name, line, err)
		}
		ex := Example{Source: fmt.Sprintf("%s:%d", name, line)}
		if raw.Title != nil {
			ex.Title = *raw.Title
		}
		if raw.Text != nil {
			ex.Text = *raw.Text
		}
		switch strings.TrimSpace(string(raw.Label)) {
		case "1", "true":
			ex.Label = 1
		case "0", "false":
			ex.Label = 0
		case "":
			return nil, fmt.Errorf("%s:%d: label: missing (want 0 or 1)", name, line)
		default:
			return nil, fmt.Errorf("%s:%d: label: %s is not 0 or 1", name, line, raw.Label)
		}
		if strings.TrimSpace(ex.Title+ex.Text) == "" {
			return nil, fmt.Errorf("%s:%d: title and text are both empty", name, line)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return out, nil
}

// EvalResult is a topic's quality on a labelled set.
type EvalResult struct {
	TP, FP, TN, FN int
	// Precision, Recall and F1 are 1 when there is nothing to get wrong
	// (no kept items, no positive items).
	Precision, Recall, F1 float64
	// Misclassified lists every example the topic got wrong, in input
	// order, with the verdict that explains why.
	Misclassified []Misclassified
}

// Misclassified is one example the topic got wrong.
type Misclassified struct {
	Example Example
	Verdict Verdict
}

// Evaluate scores every example against the topic.
func Evaluate(t *Topic, examples []Example) EvalResult {
	var r EvalResult
	for _, ex := range examples {
		v := t.ScoreText(ex.Title, ex.Text)
		switch {
		case v.Keep && ex.Label == 1:
			r.TP++
		case v.Keep:
			r.FP++
		case ex.Label == 1:
			r.FN++
		default:
			r.TN++
		}
		if v.Keep != (ex.Label == 1) {
			r.Misclassified = append(r.Misclassified, Misclassified{Example: ex, Verdict: v})
		}
	}
	r.Precision = ratio(r.TP, r.TP+r.FP)
	r.Recall = ratio(r.TP, r.TP+r.FN)
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	return r
}

func ratio(n, of int) float64 {
	if of == 0 {
		return 1
	}
	return float64(n) / float64(of)
}

// Report renders the result for people: the counts, precision, recall and
// F1, then every misclassified example with its explanation.
func (r EvalResult) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "examples %d: true positives %d, false positives %d, true negatives %d, false negatives %d\n",
		r.TP+r.FP+r.TN+r.FN, r.TP, r.FP, r.TN, r.FN)
	fmt.Fprintf(&b, "precision %.3f  recall %.3f  F1 %.3f\n", r.Precision, r.Recall, r.F1)
	for _, m := range r.Misclassified {
		kind := "false positive"
		if m.Example.Label == 1 {
			kind = "false negative"
		}
		title := m.Example.Title
		if title == "" {
			title = firstLine(m.Example.Text)
		}
		fmt.Fprintf(&b, "\n%s %s: %q\n%s", kind, m.Example.Source, title, m.Verdict.Explain())
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
