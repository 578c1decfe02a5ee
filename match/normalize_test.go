package match

import "testing"

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"case", "ÖLPREIS", "olpreis"},
		{"decomposed diacritics", "cafe\u0301", "cafe"},
		{"precomposed diacritics", "Türkiye", "turkiye"},
		{"turkish dotted capital", "İstanbul", "istanbul"},
		{"turkish dotless", "Kılıçdaroğlu", "kilicdaroglu"},
		{"ligature", "ﬁnance", "finance"},
		{"sharp s", "Straße", "strasse"},
		{"curly apostrophe", "Taliban’s", "taliban's"},
		{"curly quotes", "“talks”", "\"talks\""},
		{"en dash", "Afghanistan–Pakistan", "afghanistan-pakistan"},
		{"soft hyphen", "nego\u00adtiations", "negotiations"},
		{"full width", "ＴＴＰ", "ttp"},
		{"nbsp", "Doha\u00a0talks", "doha talks"},
		{"arabic tatweel", "طالبـان", "طالبان"},
		{"empty", "", ""},
		{"ascii fast path", "Kabul\tTALKS `x`", "kabul talks 'x'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	got := Words(Fold("Tehrik-i-Taliban Pakistan’s (TTP) talks, 2025"))
	want := []string{"tehrik", "i", "taliban", "pakistan", "s", "ttp", "talks", "2025"}
	if len(got) != len(want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Words = %q, want %q", got, want)
		}
	}
}

func FuzzFoldASCIIAgrees(f *testing.F) {
	f.Add("Kabul TALKS `x`\t")
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := foldASCII(s)
		if !ok {
			return
		}
		// The slow path must agree with the fast one on ASCII input.
		slow := Fold(s + "é")
		if slow[:len(slow)-1] != fast {
			t.Fatalf("fast %q != slow %q", fast, slow)
		}
	})
}
