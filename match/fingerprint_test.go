package match

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestCanonicalWords(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Talks in Istanbul ended.", "talks in istanbul ended"},
		{"wordpress header", "This post was originally published on this site.\nTalks ended.", "talks ended"},
		{"header inline", "This post was originally published on this site. Talks ended without a deal today.", "talks ended without a deal today"},
		{"byline", "By Staff Reporter\nTalks ended.", "talks ended"},
		{"username byline", "najibullah.lalzoy\nTalks ended.", "talks ended"},
		{"timestamp", "Tue, 10/28/2025 – 21:45\nTalks ended.", "talks ended"},
		{"updated", "Updated: Oct 29, 2025 10:15 PM IST\nTalks ended.", "talks ended"},
		{"share", "Share:\nAudio Loading voice…\nTalks ended.", "talks ended"},
		{"read more line", "Talks ended.\nRead more: Markets close higher\nBoth sides left.", "talks ended both sides left"},
		{"also read bar", "Talks ended.\nAlso Read | Court adjourns hearing\nBoth sides left.", "talks ended both sides left"},
		{"read more inline", "Talks ended. Read more: Markets close higher. Both sides left.", "talks ended both sides left"},
		{"footer", "Talks ended.\nBe the first to comment", "talks ended"},
		{"wordpress footer", "Talks ended.\nThe post Talks stall appeared first on Example News.", "talks ended"},
		{"copyright", "Talks ended.\nCopyright 2025 Daily Example. All rights reserved.", "talks ended"},
		{"repeated excerpt", "Talks ended in Istanbul.\nTalks ended in Istanbul.\nBoth left.", "talks ended in istanbul both left"},
		{"long line starting like boilerplate is text", "Read more about how the talks in Istanbul ended without any agreement after four long days of difficult negotiations between the two delegations and their mediators from Qatar and Turkiye.", "read more about how the talks in istanbul ended without any agreement after four long days of difficult negotiations between the two delegations and their mediators from qatar and turkiye"},
		{"curly quotes", "“It’s over,” he said.", "it s over he said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(CanonicalWords(tt.in), " "); got != tt.want {
				t.Errorf("CanonicalWords(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

const sampleText = `Negotiators from both countries met for a fourth day in the city on Tuesday.
The mediators said the sides had agreed to keep the truce in place while they study a written mechanism for monitoring it.
A spokesman said the delegation would return home to consult its leadership before any further round is held.`

func TestFingerprintBinaryRoundTrip(t *testing.T) {
	for _, f := range []Fingerprint{
		{},
		NewFingerprint("", "one two"),
		NewFingerprint("Talks pause", sampleText),
		NewFingerprint("Title only, no text at all here", ""),
	} {
		data, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var g Fingerprint
		if err := g.UnmarshalBinary(data); err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if !g.Equal(f) {
			t.Errorf("round trip changed %v into %v", f, g)
		}
	}
	f := NewFingerprint("Talks pause", sampleText)
	data, _ := f.MarshalBinary()
	if got, max := len(data), 1+5*f.Len()+4; got > max {
		t.Errorf("encoding of %d shingles takes %d bytes, want <= %d", f.Len(), got, max)
	}
}

func TestFingerprintUnmarshalRejects(t *testing.T) {
	good, _ := NewFingerprint("Talks pause", sampleText).MarshalBinary()
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"version", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte{}, good...), 0)},
		{"count too large", []byte{1, 0xff, 0xff, 0x03}},
		{"duplicate shingle", []byte{1, 2, 5, 0, 0}},
		{"overflow", []byte{1, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Fingerprint
			if err := f.UnmarshalBinary(tt.data); err == nil {
				t.Errorf("UnmarshalBinary(%x) = nil error, want one", tt.data)
			}
		})
	}
}

func TestBandKeys(t *testing.T) {
	f := NewFingerprint("Talks pause", sampleText)
	keys := f.BandKeys()
	if len(keys) != Bands {
		t.Fatalf("%d band keys, want %d", len(keys), Bands)
	}
	for i, k := range keys {
		if len(k) != BandKeySize || k[0] != byte(i) {
			t.Errorf("key %d = %x: want %d bytes starting with the band number", i, k, BandKeySize)
		}
	}
	g := NewFingerprint("Another headline entirely", strings.ToUpper(sampleText))
	for i, k := range g.BandKeys() {
		if !bytes.Equal(k, keys[i]) {
			t.Errorf("band %d differs for the same text under another headline and case", i)
		}
	}
	if k := NewFingerprint("", "too short").BandKeys(); k != nil {
		t.Errorf("empty fingerprint has band keys %x", k)
	}
}

func TestCandidateProbability(t *testing.T) {
	if p := CandidateProbability(0.3); p < 0.95 {
		t.Errorf("P(candidate | J=0.3) = %.3f, want >= 0.95", p)
	}
	if p := CandidateProbability(0.02); p > 0.02 {
		t.Errorf("P(candidate | J=0.02) = %.4f, want <= 0.02", p)
	}
}

func TestDecideShortExcerpts(t *testing.T) {
	cfg := DefaultDedupConfig()
	desc := "A global roundup of some of last week's events."
	a := NewFingerprint("Week in Pictures: From ceasefire in Gaza to floods in Mexico", desc)
	b := NewFingerprint("Week in Pictures: From death of ex-Kenyan PM to Gaza ceasefire", desc)
	if d := cfg.Decide(a, b); d.Copy || d.Mode != "title+body" {
		t.Errorf("two galleries sharing a generic description: %v, want not a copy in title+body mode", d)
	}
	c := NewFingerprint("Week in Pictures: From ceasefire in Gaza to floods in Mexico", "Share:\n"+desc+"\nRead more: Other news")
	if d := cfg.Decide(a, c); !d.Copy {
		t.Errorf("same excerpt, same headline, wrapped: %v, want a copy", d)
	}
	r3 := NewFingerprint("Report 5 of document 3", "Generated paragraph 5 for crash testing, document 3.")
	r4 := NewFingerprint("Report 5 of document 4", "Generated paragraph 5 for crash testing, document 4.")
	if d := cfg.Decide(r3, r4); d.Copy {
		t.Errorf("templated items differing in a number: %v, want not a copy", d)
	}
	if d := cfg.Decide(NewFingerprint("", "short"), a); d.Copy || !strings.Contains(d.Reason, "too short") {
		t.Errorf("empty fingerprint: %v", d)
	}
}

// quantiles renders a similarity distribution for the test log.
func quantiles(xs []float64) string {
	if len(xs) == 0 {
		return "n=0"
	}
	sort.Float64s(xs)
	q := func(p float64) float64 { return xs[int(p*float64(len(xs)-1))] }
	return fmt.Sprintf("n=%d min=%.3f p01=%.3f p50=%.3f p99=%.3f max=%.3f", len(xs), xs[0], q(0.01), q(0.5), q(0.99), xs[len(xs)-1])
}

// shareBand reports whether two fingerprints would meet in the LSH index.
func shareBand(a, b Fingerprint) bool {
	kb := b.BandKeys()
	for i, k := range a.BandKeys() {
		if bytes.Equal(k, kb[i]) {
			return true
		}
	}
	return false
}

// expectCaught: a copy must be caught unless it changes the headline of a
// short excerpt, which is indistinguishable from two items sharing a
// generic description (see TestDecideShortExcerpts).
func expectCaught(orig article, v variant, fo, fv Fingerprint) bool {
	return v.Title == orig.Title || (!fo.Short() && !fv.Short())
}

// TestCopyVariantsCaught builds copy variants of every real article and
// checks each is found through the band index and verified as a copy. Run
// with -v to see the measured similarity distributions.
func TestCopyVariantsCaught(t *testing.T) {
	cfg := DefaultDedupConfig()
	arts := distinctArticles(t, 8)
	var body, short, skipped []float64
	n := 0
	for i, a := range arts {
		fa := NewFingerprint(a.Title, a.Text)
		for _, v := range variants(a, uint64(i)) {
			fv := NewFingerprint(v.Title, v.Text)
			d := cfg.Decide(fv, fa)
			if !expectCaught(a, v, fa, fv) {
				skipped = append(skipped, d.Containment)
				continue
			}
			n++
			if d.Mode == "body" {
				body = append(body, d.Containment)
			} else {
				short = append(short, d.Jaccard)
			}
			if !d.Copy {
				t.Errorf("%s: not caught: %v", v.Kind, d)
			}
			if !shareBand(fa, fv) {
				t.Errorf("%s: no shared band key (containment %.3f, jaccard %.3f)", v.Kind, d.Containment, d.Jaccard)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d variants checked; is ../shared complete?", n)
	}
	t.Logf("%d variants of %d articles caught", n, len(arts))
	t.Logf("body mode containment:        %s", quantiles(body))
	t.Logf("title+body mode jaccard:      %s", quantiles(short))
	t.Logf("new headline on short excerpt (not required), containment: %s", quantiles(skipped))
}

// TestDistinctArticlesNotCopies compares every pair of distinct real
// articles, including the five seeds about one event.
func TestDistinctArticlesNotCopies(t *testing.T) {
	cfg := DefaultDedupConfig()
	arts := distinctArticles(t, 8)
	fps := make([]Fingerprint, len(arts))
	for i, a := range arts {
		fps[i] = NewFingerprint(a.Title, a.Text)
	}
	var cs, seeds []float64
	candidates := 0
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			d := cfg.Decide(fps[i], fps[j])
			if d.Copy {
				t.Errorf("%q and %q merged: %v", arts[i].Title, arts[j].Title, d)
			}
			if shareBand(fps[i], fps[j]) {
				candidates++
			}
			if i < 5 && j < 5 {
				seeds = append(seeds, d.Containment)
				t.Logf("seeds %s / %s: containment %.3f jaccard %.3f", arts[i].Name, arts[j].Name, d.Containment, d.Jaccard)
			} else {
				cs = append(cs, d.Containment)
			}
		}
	}
	t.Logf("distinct pairs containment: %s; sharing a band key: %d", quantiles(cs), candidates)
	t.Logf("seed pairs containment:     %s", quantiles(seeds))
}

// TestGenericDescriptionsNotCopies: real dataset items whose descriptions
// are identical but whose headlines differ are different items.
func TestGenericDescriptionsNotCopies(t *testing.T) {
	cfg := DefaultDedupConfig()
	ds := loadDataset(t)
	pairs := 0
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			if ds[i].Title == ds[j].Title || ds[i].Text != ds[j].Text {
				continue
			}
			pairs++
			d := cfg.Decide(NewFingerprint(ds[i].Title, ds[i].Text), NewFingerprint(ds[j].Title, ds[j].Text))
			if d.Copy {
				t.Errorf("%q and %q share only a description: %v", ds[i].Title, ds[j].Title, d)
			}
		}
	}
	if pairs == 0 {
		t.Skip("no items with a shared description in the dataset")
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add("Talks pause", sampleText)
	f.Add("", "This post was originally published on this site.\nBy Staff\nRead more: x")
	f.Add("ＴＴＰ", "“quoted” \u00ad soft\r\nlines\ttabs")
	f.Fuzz(func(t *testing.T, title, text string) {
		fp := NewFingerprint(title, text)
		data, err := fp.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var g Fingerprint
		if err := g.UnmarshalBinary(data); err != nil {
			t.Fatalf("cannot decode own encoding: %v", err)
		}
		if !g.Equal(fp) {
			t.Fatal("round trip changed the fingerprint")
		}
		c, j := CopySimilarity(fp, fp)
		if !fp.Empty() && (c != 1 || j != 1) {
			t.Fatalf("self similarity %v %v", c, j)
		}
		if keys := fp.BandKeys(); !fp.Empty() && len(keys) != Bands {
			t.Fatalf("%d band keys", len(keys))
		}
	})
}

func FuzzUnmarshalFingerprint(f *testing.F) {
	good, _ := NewFingerprint("Talks pause", sampleText).MarshalBinary()
	f.Add(good)
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{1, 2, 5, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var fp Fingerprint
		if err := fp.UnmarshalBinary(data); err != nil {
			return
		}
		again, _ := fp.MarshalBinary()
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted %x but re-encodes as %x", data, again)
		}
	})
}
