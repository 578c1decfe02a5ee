package match

import (
	"strings"
	"testing"
)

func TestDetectOrigin(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"afp dateline", "KABUL (AFP) - Talks ended on Wednesday.", "AFP"},
		{"app dateline", "ISLAMABAD, Oct 28 (APP): The minister said talks ended.", "APP"},
		{"reuters dash", "ISTANBUL (Reuters) — Talks ended.", "Reuters"},
		{"anadolu AA", "ANKARA (AA) - Talks ended.", "Anadolu"},
		{"nationpress dateline", "New Delhi, Oct 28 (NationPress) During the talks...", "NationPress"},
		{"trailer dash", "Talks ended without a deal.\n— AFP", "AFP"},
		{"trailer slash", "Talks ended without a deal. /APP", "APP"},
		{"alone on last line", "Talks ended without a deal.\nReuters", "Reuters"},
		{"based on ani report", "Talks ended. (Based on ANI report)", "ANI"},
		{"with inputs", "Talks ended.\n(With inputs from PTI)", "PTI"},
		{"full name", "Talks ended, Anadolu Agency reported.\nSource: Anadolu Agency", "Anadolu"},
		{"originally published on outlet", "This article was originally published on Dawn. Talks ended.", "Dawn"},
		{"appeared first", "Talks ended.\nThe post Talks stall appeared first on Daily Example.", "Daily Example"},
		{"originally published on this site", "This post was originally published on this site.\nTalks ended.", ""},
		{"mention is no credit", "A minister told Reuters the talks ended.", ""},
		{"abbreviation is no credit", "Andhra Pradesh (AP) government announced relief.", ""},
		{"lower case app", "Download the app to follow the talks.", ""},
		{"nothing", "Talks ended without a deal.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectOrigin(tt.text); got != tt.want {
				t.Errorf("DetectOrigin(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestDetectOriginSeeds(t *testing.T) {
	want := []string{"", "ANI", "", "", "NationPress"} // 000 credits "this site" only; 001 ends "Based On ANI Report"
	for i, s := range loadSeeds(t) {
		if got := DetectOrigin(s.Text); got != want[i] {
			t.Errorf("seed %s: origin %q, want %q", s.Name, got, want[i])
		}
	}
}

func FuzzDetectOrigin(f *testing.F) {
	f.Add("KABUL (AFP) - Talks ended.")
	f.Add("This article was originally published on Dawn.")
	f.Add("Talks.\n— Reuters")
	f.Add(strings.Repeat("(APP", 1000))
	f.Fuzz(func(t *testing.T, text string) {
		got := DetectOrigin(text)
		if len(got) > 64 || strings.ContainsAny(got, "\n.!?") {
			t.Fatalf("DetectOrigin returned %q", got)
		}
	})
}
