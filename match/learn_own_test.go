package match

import (
	"strings"
	"testing"
)

// Examples written for this test: three short reports that spell the same
// names differently.
var ownLearnExamples = []Doc{
	{Title: "Kabul and Islamabad resume talks in Istanbul", Text: "Delegations from Afghanistan and Pakistan met in Istanbul. " +
		"Pakistan's Defence Minister Khawaja Muhammad Asif said the Tehrik-i-Taliban Pakistan (TTP) was the main issue. " +
		"Türkiye and Qatar mediated the talks, and the ceasefire held."},
	{Title: "No deal as Afghanistan–Pakistan talks end", Text: "The negotiations in Istanbul ended without a deal. " +
		"Pakistan's Defence Minister Khawaja Asif blamed Kabul for sheltering the Tehreek-e-Taliban Pakistan. " +
		"Turkey and Qatar said the ceasefire would hold while the talks pause."},
	{Title: "Mediators keep Afghanistan and Pakistan talking", Text: "Turkiye hosted a third day of talks between Afghanistan and Pakistan. " +
		"Islamabad wants action against the TTP; Kabul says the Tehrik-e-Taliban Pakistan is Pakistan's problem. " +
		"The ceasefire agreed in Doha remains in place, and the delegations will meet again."},
}

var ownNearMisses = []Doc{
	{Title: "Afghanistan beat Pakistan in cricket", Text: "Afghanistan's spinners took six wickets in the T20 match against Pakistan in Sharjah."},
	{Title: "Ukraine and Russia hold talks in Istanbul", Text: "Ukrainian and Russian delegations discussed a prisoner exchange in Istanbul."},
}

func TestLearnOwnExamples(t *testing.T) {
	res, err := Learn(LearnOptions{Name: "own", Examples: ownLearnExamples, Negatives: ownNearMisses})
	if err != nil {
		t.Fatal(err)
	}
	out := string(RenderTOML(res.Spec, []string{res.Summary()}, res.Notes))
	ttp := findEntityWith(res.Spec.Entities, "TTP")
	if ttp == nil {
		t.Fatalf("no TTP entity:\n%s", out)
	}
	for _, a := range []string{"Tehrik-i-Taliban Pakistan", "Tehreek-e-Taliban Pakistan", "Tehrik-e-Taliban Pakistan"} {
		if !containsFold(append(ttp.Aliases, ttp.Name), a) {
			t.Errorf("TTP lacks %q: %q %q", a, ttp.Name, ttp.Aliases)
		}
	}
	asif := findEntityWith(res.Spec.Entities, "Khawaja Asif")
	if asif == nil || !containsFold(append(asif.Aliases, asif.Name), "Khawaja Muhammad Asif") || asif.Facet != "pakistan" {
		t.Errorf("Khawaja Asif: %+v", asif)
	}
	tr := findEntityWith(res.Spec.Entities, "Turkey")
	if tr == nil || tr.Name != "Türkiye" || !containsFold(tr.Aliases, "Turkiye") || tr.Facet != "" {
		t.Errorf("Türkiye: %+v", tr)
	}
	facets := map[string]bool{}
	for _, f := range res.Spec.Facets {
		facets[f.Name] = true
	}
	if !facets["afghanistan"] || !facets["pakistan"] || !facets["talks"] {
		t.Errorf("facets %v, want afghanistan, pakistan and talks", res.Spec.Facets)
	}
	var negs []string
	for _, n := range res.Spec.Negatives {
		negs = append(negs, n.Text)
	}
	for _, want := range []string{"cricket", "ukraine"} {
		if !strings.Contains(strings.Join(negs, ","), want) {
			t.Errorf("negatives %q lack %q", negs, want)
		}
	}
	topic := mustCompile(t, res.Spec)
	for i, d := range ownLearnExamples {
		if v := topic.ScoreText(d.Title, d.Text); !v.Keep {
			t.Errorf("example %d dropped:\n%s", i, v.Explain())
		}
	}
	for i, d := range ownNearMisses {
		if v := topic.ScoreText(d.Title, d.Text); v.Keep {
			t.Errorf("near miss %d kept:\n%s", i, v.Explain())
		}
	}
	if !strings.Contains(out, "# in 3/3 examples") || !strings.Contains(out, "transliteration variant") {
		t.Errorf("rendered topic lacks its explanations:\n%s", out)
	}
}
