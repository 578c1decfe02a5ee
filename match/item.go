package match

import "time"

// Item is one feed entry as wirewatch stores and shows it. Its JSON field
// names are a public contract (the `items --format json` output and the read
// API): add fields, never rename them.
type Item struct {
	ID          string    `json:"id"`
	Topics      []string  `json:"topics"`
	Feed        string    `json:"feed"`
	GUID        string    `json:"guid"`
	Link        string    `json:"link"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Published   time.Time `json:"published"`
	Fetched     time.Time `json:"fetched"`
	Score       float64   `json:"score"`
	Matched     []Hit     `json:"matched"`
	Story       string    `json:"story"`
	DuplicateOf string    `json:"duplicate_of"`
	Sources     []Source  `json:"sources"`
	Origin      string    `json:"origin"`
}

// Hit is one rule that fired for an item, with the weight it contributed.
type Hit struct {
	Rule   string  `json:"rule"`
	Weight float64 `json:"weight"`
}

// Source is one other place an item's text was seen: a copy stored from
// another feed or URL.
type Source struct {
	ID        string    `json:"id"`
	Feed      string    `json:"feed"`
	Link      string    `json:"link"`
	Published time.Time `json:"published"`
}

// SortTime is the time an item is ordered by: its published time, or the
// fetch time when the feed gave none or gave one in the future (clock skew
// and bogus dates must not pin an item to the top of every listing).
func (it *Item) SortTime() time.Time {
	if it.Published.IsZero() || (!it.Fetched.IsZero() && it.Published.After(it.Fetched.Add(time.Hour))) {
		return it.Fetched
	}
	return it.Published
}

// Text is the title and summary joined, the text rules and fingerprints read.
func (it *Item) Text() string {
	if it.Title == "" {
		return it.Summary
	}
	if it.Summary == "" {
		return it.Title
	}
	return it.Title + "\n" + it.Summary
}
