package match

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateBackground = flag.Bool("update-background", false, "regenerate match/background.tsv from ../shared/corpus")

// backgroundFromCorpus counts word document frequencies over the items of
// every corpus feed (news feeds, datasets and real-world parser fixtures), leaving out every item that mentions Afghanistan so that the
// shipped topic's own subject is not part of "what all news looks like".
func backgroundFromCorpus(t testing.TB) *Background {
	shared := sharedDir(t)
	b := &Background{DF: map[string]int{}}
	for _, d := range corpusDocs(t, shared, "news-feed", "dataset", "parser-edge-case") {
		if strings.Contains(Fold(d.Title+" "+d.Text), "afghan") {
			continue
		}
		b.Add(d.Title, d.Text)
	}
	return b
}

func TestBackgroundUpToDate(t *testing.T) {
	got := backgroundFromCorpus(t).Marshal(2)
	if *updateBackground {
		if err := os.WriteFile("background.tsv", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != backgroundTSV {
		t.Fatalf("background.tsv is stale: run go test ./match -run TestBackgroundUpToDate -update-background")
	}
}

func TestBuiltinBackground(t *testing.T) {
	b := BuiltinBackground()
	if b.Docs < 100 {
		t.Fatalf("built-in background has %d documents, want at least 100", b.Docs)
	}
	if b.Ratio("the") < 0.3 {
		t.Errorf("Ratio(the) = %v, want a common word", b.Ratio("the"))
	}
	if b.Ratio("tehreek") > 0.01 {
		t.Errorf("Ratio(tehreek) = %v, want a rare word", b.Ratio("tehreek"))
	}
}
