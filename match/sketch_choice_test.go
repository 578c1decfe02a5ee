package match

import (
	"math/bits"
	"testing"
)

// simhash64 is the SimHash of a shingle set (Charikar): each bit is the
// majority vote of that bit over the shingles' 64-bit hashes. It exists
// here only as the baseline the MinHash choice was measured against.
func simhash64(set []uint32) uint64 {
	var votes [64]int
	for _, s := range set {
		h := mix64(uint64(s) | uint64(s)<<32)
		for b := range 64 {
			if h&(1<<b) != 0 {
				votes[b]++
			} else {
				votes[b]--
			}
		}
	}
	var out uint64
	for b, v := range votes {
		if v > 0 {
			out |= 1 << b
		}
	}
	return out
}

func simhashOf(f Fingerprint) uint64 {
	if f.Short() {
		return simhash64(f.all())
	}
	return simhash64(f.body)
}

// TestSketchChoice records why fingerprints use MinHash LSH bands rather
// than SimHash: on the real variants, the Hamming distance SimHash needs to
// reach every trimmed copy also admits distinct articles (permuted-block
// tables for that distance would return them all as candidates), while the
// MinHash bands find every copy and almost no distinct pair. Run with -v
// for the distributions.
func TestSketchChoice(t *testing.T) {
	arts := distinctArticles(t, 8)
	fps := make([]Fingerprint, len(arts))
	sims := make([]uint64, len(arts))
	for i, a := range arts {
		fps[i] = NewFingerprint(a.Title, a.Text)
		sims[i] = simhashOf(fps[i])
	}
	var variantDist []float64
	maxVariant := 0
	for i, a := range arts {
		for _, v := range variants(a, uint64(i)) {
			fv := NewFingerprint(v.Title, v.Text)
			if !expectCaught(a, v, fps[i], fv) {
				continue
			}
			d := bits.OnesCount64(sims[i] ^ simhashOf(fv))
			variantDist = append(variantDist, float64(d))
			maxVariant = max(maxVariant, d)
		}
	}
	within, minHashFalse := 0, 0
	var distinctDist []float64
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			d := bits.OnesCount64(sims[i] ^ sims[j])
			distinctDist = append(distinctDist, float64(d))
			if d <= maxVariant {
				within++
			}
			if shareBand(fps[i], fps[j]) {
				minHashFalse++
			}
		}
	}
	t.Logf("SimHash Hamming distance, copy variants:  %s", quantiles(variantDist))
	t.Logf("SimHash Hamming distance, distinct pairs: %s", quantiles(distinctDist))
	t.Logf("distinct pairs within the largest variant distance (%d bits): %d of %d; sharing a MinHash band: %d",
		maxVariant, within, len(distinctDist), minHashFalse)
	if within <= minHashFalse {
		t.Errorf("SimHash at %d bits admits %d distinct pairs, MinHash bands %d: the choice of MinHash is no longer justified", maxVariant, within, minHashFalse)
	}
}
