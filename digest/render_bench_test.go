package digest

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRenderEncode renders and encodes a 50-story digest (what Prepare
// does once per digest, besides the store write).
func BenchmarkRenderEncode(b *testing.B) {
	d := &Definition{Name: "morning", Format: FormatPostmark, To: []string{"a@example.org"}, From: "b@example.org", Token: NewSecret("t")}
	if err := d.Validate(); err != nil {
		b.Fatal(err)
	}
	var in []Story
	for i := range 50 {
		s := fixtureStories()[i%2]
		s.ID = fmt.Sprint(i)
		s.Reports = i%7 + 1
		in = append(in, s)
	}
	w := Window{t0.Add(-24 * time.Hour), t0}
	for b.Loop() {
		m, err := Render(d, "id", w, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Encode(d, m); err != nil {
			b.Fatal(err)
		}
	}
}
