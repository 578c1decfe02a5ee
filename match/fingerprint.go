package match

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Fingerprint parameters. They are part of the stored format: changing any
// of them changes what a stored fingerprint means, so it bumps
// fingerprintVersion and stored fingerprints must be rebuilt.
const (
	// ShingleWords is the number of consecutive words in a shingle.
	ShingleWords = 4
	// Bands and BandRows shape the MinHash LSH index: the signature has
	// Bands*BandRows minimum hashes, and two texts become candidates when
	// all BandRows minima of at least one band agree. A pair with shingle
	// Jaccard J becomes a candidate with probability 1-(1-J^BandRows)^Bands.
	Bands    = 32
	BandRows = 2
	// BandKeySize is the length in bytes of one band key.
	BandKeySize = 8

	// minBodyShingles: when either text has fewer body shingles than
	// this (an excerpt under about 23 words), a body alone is not evidence
	// of a copy (feeds reuse generic one-line descriptions under different
	// headlines), so titles and bodies are compared together.
	minBodyShingles = 20
	// minShingles: fingerprints with fewer shingles in all are Empty and
	// never match anything.
	minShingles = 5
	// maxWords caps the words read from one text (about 20 pages).
	maxWords = 10000
	// maxEncodedShingles bounds what UnmarshalBinary accepts.
	maxEncodedShingles = maxWords + 1000

	fingerprintVersion = 1
)

// Fingerprint is the near-duplicate identity of an article: the set of
// hashed word shingles of its canonical text (see CanonicalWords), kept
// sorted. It supports exact set similarity (CopySimilarity) and derives
// MinHash LSH band keys (BandKeys) for sublinear candidate lookup. The zero
// value is an empty fingerprint. Fingerprints are immutable values.
type Fingerprint struct {
	body  []uint32 // shingles of the text, sorted, unique
	title []uint32 // shingles of the title (another hash domain), sorted, unique
}

// NewFingerprint fingerprints an article. Body and title shingles are kept
// apart: republishers change headlines more than anything else, so a text
// long enough to stand on its own is compared by its body alone, while
// short excerpts are compared together with their titles (see
// CopySimilarity).
func NewFingerprint(title, text string) Fingerprint {
	words := CanonicalWords(text)
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	tw := CanonicalWords(title)
	if len(tw) > 100 {
		tw = tw[:100]
	}
	return Fingerprint{
		body:  shingleSet(words, ShingleWords, fnvOffset),
		title: shingleSet(tw, ShingleWords, titleOffset),
	}
}

// shingleSet hashes every k-word window of words into a sorted set. A text
// shorter than k words gives one shingle of all its words. The offset
// separates hash domains (body, title).
func shingleSet(words []string, k int, offset uint64) []uint32 {
	if len(words) == 0 {
		return nil
	}
	n := len(words) - k + 1
	if n < 1 {
		n = 1
	}
	set := make([]uint32, 0, n)
	for i := range n {
		h := offset
		for j := i; j < i+k && j < len(words); j++ {
			if j > i {
				h = fnvAdd(h, " ")
			}
			h = fnvAdd(h, words[j])
		}
		set = append(set, uint32(h^(h>>32)))
	}
	slices.Sort(set)
	return slices.Compact(set)
}

const (
	fnvOffset   = 14695981039346656037
	titleOffset = fnvOffset ^ 0x7469746c65 // "title"
	fnvPrime    = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// Len is the number of distinct shingles, body and title.
func (f Fingerprint) Len() int { return len(f.body) + len(f.title) }

// BodyLen is the number of distinct body shingles.
func (f Fingerprint) BodyLen() int { return len(f.body) }

// Empty reports whether title and text were too short to fingerprint; an
// empty fingerprint has no band keys and is never a copy of anything.
func (f Fingerprint) Empty() bool { return f.Len() < minShingles }

// Short reports whether the body is an excerpt too short to be compared
// without the title.
func (f Fingerprint) Short() bool { return len(f.body) < minBodyShingles }

// Equal reports whether two fingerprints hold the same shingles.
func (f Fingerprint) Equal(g Fingerprint) bool {
	return slices.Equal(f.body, g.body) && slices.Equal(f.title, g.title)
}

// CopySimilarity compares two fingerprints exactly. When both bodies are
// long enough (Short is false), only the bodies are compared; otherwise
// title and body shingles together. containment is the share of the smaller
// shingle set found in the larger one (1 when one text is a trimmed copy of
// the other); jaccard is |A∩B| / |A∪B| (symmetric, lower when one side has
// extra paragraphs). Both are 0 when either fingerprint is empty.
func CopySimilarity(a, b Fingerprint) (containment, jaccard float64) {
	c, j, _ := copySimilarity(a, b)
	return c, j
}

// copySimilarity also returns the number of shingles in common.
func copySimilarity(a, b Fingerprint) (containment, jaccard float64, shared int) {
	if a.Empty() || b.Empty() {
		return 0, 0, 0
	}
	x, y := a.body, b.body
	if a.Short() || b.Short() {
		x, y = a.all(), b.all()
	}
	if len(x) == 0 || len(y) == 0 {
		return 0, 0, 0
	}
	inter := intersectCount(x, y)
	small := min(len(x), len(y))
	union := len(x) + len(y) - inter
	return float64(inter) / float64(small), float64(inter) / float64(union), inter
}

// all is the sorted union of body and title shingles.
func (f Fingerprint) all() []uint32 {
	if len(f.title) == 0 {
		return f.body
	}
	out := make([]uint32, 0, len(f.body)+len(f.title))
	out = append(append(out, f.body...), f.title...)
	slices.Sort(out)
	return slices.Compact(out)
}

func intersectCount(a, b []uint32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// minhashSeeds are the per-row seeds of the MinHash signature, fixed so that
// signatures are stable across processes and versions.
var minhashSeeds = func() [Bands * BandRows]uint64 {
	var s [Bands * BandRows]uint64
	x := uint64(0x9e3779b97f4a7c15)
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix64(x)
	}
	return s
}()

// mix64 is the splitmix64 finaliser: a fast, well-distributed bijection.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Signature is the MinHash signature: for each of Bands*BandRows hash
// functions, the minimum over the body shingles (over title and body when
// the body is Short, matching CopySimilarity). It is derived from the
// shingles, so it is not stored. An empty fingerprint has no signature.
//
// A short body is sketched together with its title, so a short excerpt
// and a long copy of it are found only through shared title shingles or a
// body that dominates the union; CopySimilarity compares such pairs on
// title and body anyway, so nothing is lost that the verifier would accept.
func (f Fingerprint) Signature() []uint64 {
	if f.Empty() {
		return nil
	}
	set := f.body
	if f.Short() {
		set = f.all()
	}
	sig := make([]uint64, len(minhashSeeds))
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for _, s := range set {
		x := mix64(uint64(s) | uint64(s)<<32)
		for i, seed := range minhashSeeds {
			if h := mix64(x ^ seed); h < sig[i] {
				sig[i] = h
			}
		}
	}
	return sig
}

// BandKeys returns the Bands LSH keys of the fingerprint, each BandKeySize
// bytes: the band number, then 7 bytes of a hash of the band's minima. A
// store indexes them (band key -> item ids); texts sharing any band key are
// the candidates to verify with CopySimilarity. An empty fingerprint has
// none.
func (f Fingerprint) BandKeys() [][]byte {
	sig := f.Signature()
	if sig == nil {
		return nil
	}
	keys := make([][]byte, Bands)
	buf := make([]byte, Bands*BandKeySize)
	for b := range Bands {
		h := uint64(b) * 0x9e3779b97f4a7c15
		for _, m := range sig[b*BandRows : (b+1)*BandRows] {
			h = mix64(h ^ m)
		}
		k := buf[b*BandKeySize : (b+1)*BandKeySize : (b+1)*BandKeySize]
		binary.BigEndian.PutUint64(k, h)
		k[0] = byte(b)
		keys[b] = k
	}
	return keys
}

// CandidateProbability is the chance that two texts whose shingle sets have
// Jaccard similarity j share at least one band key.
func CandidateProbability(j float64) float64 {
	p := 1.0
	for range BandRows {
		p *= j
	}
	q := 1.0
	for range Bands {
		q *= 1 - p
	}
	return 1 - q
}

// MarshalBinary encodes the fingerprint compactly: a version byte, then
// body and title shingles, each as a count and sorted varint deltas (at most
// 5 bytes a shingle, about 3.5 for a full article: a 400-word article
// takes about 1.4 KB, a 40-word excerpt about 160 bytes).
func (f Fingerprint) MarshalBinary() ([]byte, error) {
	buf := make([]byte, 0, 1+binary.MaxVarintLen32*(f.Len()+2))
	buf = append(buf, fingerprintVersion)
	buf = appendSet(buf, f.body)
	buf = appendSet(buf, f.title)
	return buf, nil
}

func appendSet(buf []byte, set []uint32) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(set)))
	prev := uint32(0)
	for _, s := range set {
		buf = binary.AppendUvarint(buf, uint64(s-prev))
		prev = s
	}
	return buf
}

// errBadFingerprint is returned for every malformed encoding.
var errBadFingerprint = errors.New("bad fingerprint encoding")

// UnmarshalBinary decodes what MarshalBinary wrote. It rejects unknown
// versions, unsorted or duplicate shingles, oversized counts, non-minimal
// varints and trailing bytes, so every accepted encoding is the one
// MarshalBinary produces.
func (f *Fingerprint) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty", errBadFingerprint)
	}
	if data[0] != fingerprintVersion {
		return fmt.Errorf("%w: version %d, want %d", errBadFingerprint, data[0], fingerprintVersion)
	}
	body, rest, err := readSet(data[1:])
	if err != nil {
		return fmt.Errorf("%w: body: %v", errBadFingerprint, err)
	}
	title, rest, err := readSet(rest)
	if err != nil {
		return fmt.Errorf("%w: title: %v", errBadFingerprint, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errBadFingerprint, len(rest))
	}
	f.body, f.title = body, title
	return nil
}

func readSet(data []byte) ([]uint32, []byte, error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || data[k-1] == 0 && k > 1 || n > maxEncodedShingles || n > uint64(len(data)) {
		return nil, nil, errors.New("bad count")
	}
	data = data[k:]
	if n == 0 {
		return nil, data, nil
	}
	out := make([]uint32, 0, n)
	var cur uint64
	for i := range n {
		d, k := binary.Uvarint(data)
		// Only the shortest varint is canonical: one encoding per value.
		if k <= 0 || (k > 1 && data[k-1] == 0) || (i > 0 && d == 0) {
			return nil, nil, fmt.Errorf("bad shingle %d", i)
		}
		cur += d
		if cur > 1<<32-1 {
			return nil, nil, fmt.Errorf("shingle %d out of range", i)
		}
		out = append(out, uint32(cur))
		data = data[k:]
	}
	return out, data, nil
}

// String is a short description for logs and explanations.
func (f Fingerprint) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fingerprint(%d body + %d title shingles", len(f.body), len(f.title))
	if f.Empty() {
		b.WriteString(", empty")
	}
	b.WriteString(")")
	return b.String()
}
