package match

import "fmt"

// DedupConfig holds the thresholds that decide whether two fingerprints are
// copies of one text. The defaults come from measurements on real articles
// (seeds, corpus datasets and news feeds; see docs/README-dedup.md):
//
//   - copy variants of long texts (edits republishers make) had shingle
//     containment >= 0.65, distinct articles <= 0.23 (33,401 pairs), the
//     five same-event seeds <= 0.062;
//   - short excerpts compared with their titles: copies under the same
//     headline had containment 1 and Jaccard >= 0.65, while two different
//     gallery items sharing a generic one-line description reached
//     containment 0.53 but Jaccard only 0.35, and templated one-liners
//     that differ in a number ("Report 5 of document 3") 0.71 and 0.56.
type DedupConfig struct {
	// MinContainment is the share of the smaller text's shingles that must
	// appear in the other text.
	MinContainment float64 `toml:"min_containment" json:"min_containment"`
	// MinShortJaccard is the Jaccard similarity also required when either
	// body is a short excerpt (see Fingerprint.Short), where titles weigh in
	// and containment alone is weak evidence.
	MinShortJaccard float64 `toml:"min_short_jaccard" json:"min_short_jaccard"`
}

// DefaultDedupConfig returns the measured defaults: containment 0.5 and,
// for short excerpts, Jaccard 0.6.
func DefaultDedupConfig() DedupConfig {
	return DedupConfig{MinContainment: 0.5, MinShortJaccard: 0.6}
}

// Validate reports thresholds outside (0, 1].
func (c DedupConfig) Validate() error {
	if !(c.MinContainment > 0 && c.MinContainment <= 1) {
		return fmt.Errorf("min_containment %v: want a value in (0, 1]", c.MinContainment)
	}
	if !(c.MinShortJaccard >= 0 && c.MinShortJaccard <= 1) {
		return fmt.Errorf("min_short_jaccard %v: want a value in [0, 1]", c.MinShortJaccard)
	}
	return nil
}

// DupDecision is the explained outcome of comparing an item with one
// candidate: the numbers, the thresholds they were held against and the
// verdict. `wirewatch explain --dup ID` prints it.
type DupDecision struct {
	// Candidate is the id of the stored item compared against (set by
	// the caller; Decide leaves it empty).
	Candidate string `json:"candidate"`
	// Mode is "body" when both texts were long enough to compare bodies
	// alone, "title+body" when either was a short excerpt.
	Mode        string  `json:"mode"`
	Containment float64 `json:"containment"`
	Jaccard     float64 `json:"jaccard"`
	// Shared is the number of shingles the two compared sets have in common.
	Shared int `json:"shared"`
	// Sizes are the shingle counts of the item and the candidate as compared.
	Sizes          [2]int  `json:"sizes"`
	MinContainment float64 `json:"min_containment"`
	// MinJaccard is the Jaccard threshold that applied (0 in body mode).
	MinJaccard float64 `json:"min_jaccard"`
	Copy       bool    `json:"copy"`
	// Reason says in words why the verdict came out as it did.
	Reason string `json:"reason"`
}

// Decide compares an item's fingerprint with a candidate's and returns the
// explained verdict.
func (c DedupConfig) Decide(item, candidate Fingerprint) DupDecision {
	d := DupDecision{Mode: "body", MinContainment: c.MinContainment}
	if item.Short() || candidate.Short() {
		d.Mode = "title+body"
		d.MinJaccard = c.MinShortJaccard
		d.Sizes = [2]int{len(item.all()), len(candidate.all())}
	} else {
		d.Sizes = [2]int{len(item.body), len(candidate.body)}
	}
	if item.Empty() || candidate.Empty() {
		d.Reason = fmt.Sprintf("text too short to fingerprint (fewer than %d shingles)", minShingles)
		return d
	}
	d.Containment, d.Jaccard, d.Shared = copySimilarity(item, candidate)
	switch {
	case d.Containment < d.MinContainment:
		d.Reason = fmt.Sprintf("containment %.3f below %.3f", d.Containment, d.MinContainment)
	case d.Jaccard < d.MinJaccard:
		d.Reason = fmt.Sprintf("short excerpt: jaccard %.3f below %.3f", d.Jaccard, d.MinJaccard)
	default:
		d.Copy = true
		d.Reason = fmt.Sprintf("containment %.3f >= %.3f", d.Containment, d.MinContainment)
		if d.MinJaccard > 0 {
			d.Reason += fmt.Sprintf(", jaccard %.3f >= %.3f", d.Jaccard, d.MinJaccard)
		}
	}
	return d
}

// String renders the decision on one line.
func (d DupDecision) String() string {
	verdict := "not a copy"
	if d.Copy {
		verdict = "copy"
	}
	cand := d.Candidate
	if cand == "" {
		cand = "?"
	}
	return fmt.Sprintf("candidate %s: %s (%s; mode %s, %d shared of %d/%d shingles)",
		cand, verdict, d.Reason, d.Mode, d.Shared, d.Sizes[0], d.Sizes[1])
}

// BestCopy returns the decision for the candidate an item is a copy of: the
// copy with the highest containment (ties: the earlier candidate in the
// list, which callers order oldest first). ok is false when no candidate is
// a copy.
func BestCopy(decisions []DupDecision) (best DupDecision, ok bool) {
	for _, d := range decisions {
		if d.Copy && (!ok || d.Containment > best.Containment) {
			best, ok = d, true
		}
	}
	return best, ok
}
