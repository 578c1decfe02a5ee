package match

import "testing"

// Per-article costs of the pure parts, on seed 003 (573 words):
//
//	go test ./match -run '^$' -bench 'Fingerprint|Origin|StoryFeatures|BandKeys|CopySimilarity'

func benchSeed(b *testing.B) article { return loadSeeds(b)[3] }

func BenchmarkNewFingerprint(b *testing.B) {
	a := benchSeed(b)
	for b.Loop() {
		NewFingerprint(a.Title, a.Text)
	}
}

func BenchmarkBandKeys(b *testing.B) {
	a := benchSeed(b)
	fp := NewFingerprint(a.Title, a.Text)
	for b.Loop() {
		fp.BandKeys()
	}
}

func BenchmarkCopySimilarity(b *testing.B) {
	seeds := loadSeeds(b)
	x, y := NewFingerprint(seeds[3].Title, seeds[3].Text), NewFingerprint(seeds[4].Title, seeds[4].Text)
	for b.Loop() {
		CopySimilarity(x, y)
	}
}

func BenchmarkDetectOrigin(b *testing.B) {
	a := benchSeed(b)
	for b.Loop() {
		DetectOrigin(a.Text)
	}
}

func BenchmarkStoryFeatures(b *testing.B) {
	a := benchSeed(b)
	for b.Loop() {
		StoryFeatures(a.Title, a.Text)
	}
}
