package match

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// StoryProfile is what a story remembers to compare new items with: the sum
// of its members' unit-length feature vectors (trimmed to the strongest
// features), its member count and time span. Stores persist it as JSON.
type StoryProfile struct {
	ID       string    `json:"id"`
	Features Features  `json:"features"`
	Members  int       `json:"members"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Add folds one member into the profile.
func (p *StoryProfile) Add(f Features, t time.Time) {
	if p.Features == nil {
		p.Features = make(Features)
	}
	if n := f.norm2(); n > 0 {
		for k, w := range f {
			p.Features[k] += w / n
		}
	}
	if len(p.Features) > maxStoryFeatures {
		p.Features = topFeatures(p.Features, maxStoryFeatures)
	}
	p.Members++
	if !t.IsZero() {
		if p.First.IsZero() || t.Before(p.First) {
			p.First = t
		}
		if t.After(p.Last) {
			p.Last = t
		}
	}
}

func topFeatures(f Features, n int) Features {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if f[keys[i]] != f[keys[j]] {
			return f[keys[i]] > f[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make(Features, n)
	for _, k := range keys[:n] {
		out[k] = f[k]
	}
	return out
}

// InWindow reports whether time t lies within the window around the
// story's first..last span and joining would not stretch the span beyond
// MaxSpan. A zero t is always in the window.
func (c StoryConfig) InWindow(p StoryProfile, t time.Time) bool {
	if t.IsZero() || p.Last.IsZero() {
		return true
	}
	if c.MaxSpan > 0 && (t.Sub(p.First) > c.MaxSpan || p.Last.Sub(t) > c.MaxSpan) {
		return false
	}
	return !t.Before(p.First.Add(-c.Window)) && !t.After(p.Last.Add(c.Window))
}

// NameFeatures returns the keys of the entity, name and quote features of
// f (not key terms): what MinSharedNames counts.
func (f Features) NameFeatures() []string {
	out := make([]string, 0, len(f))
	for k := range f {
		if !strings.HasPrefix(k, kindTerm) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TopNames returns the n strongest name features of f (see NameFeatures),
// strongest first; ties in key order.
func (f Features) TopNames(n int) []string {
	names := f.NameFeatures()
	sort.SliceStable(names, func(i, j int) bool { return f[names[i]] > f[names[j]] })
	if len(names) > n {
		names = names[:n]
	}
	return names
}

// StoryDecision is the explained outcome of comparing an item with one
// story.
type StoryDecision struct {
	Story      string  `json:"story"`
	Similarity float64 `json:"similarity"`
	Threshold  float64 `json:"threshold"`
	InWindow   bool    `json:"in_window"`
	// SharedNames counts the entity, name and quote features in common.
	SharedNames int  `json:"shared_names"`
	Join        bool `json:"join"`
	// Shared lists the strongest features in common, for people.
	Shared []string `json:"shared"`
}

// String renders the decision on one line.
func (d StoryDecision) String() string {
	verdict := "separate"
	if d.Join {
		verdict = "joins"
	}
	w := ""
	if !d.InWindow {
		w = ", outside the time window"
	}
	return fmt.Sprintf("story %s: %s (similarity %.3f, threshold %.3f, %d shared names%s; shared: %s)",
		d.Story, verdict, d.Similarity, d.Threshold, d.SharedNames, w, strings.Join(d.Shared, ", "))
}

// DecideStory compares an item's features (at time t) with one story.
func (c StoryConfig) DecideStory(f Features, t time.Time, p StoryProfile) StoryDecision {
	d := StoryDecision{Story: p.ID, Threshold: c.Threshold, InWindow: c.InWindow(p, t)}
	d.Similarity = Cosine(f, p.Features)
	d.Shared = Shared(f, p.Features, 5)
	d.SharedNames = sharedNames(f, p.Features)
	d.Join = d.InWindow && d.Similarity >= c.Threshold && d.SharedNames >= c.MinSharedNames
	return d
}

// BestStory returns the decision for the story an item joins: the most
// similar story in the window above the threshold. ok is false when the
// item starts a story of its own.
func (c StoryConfig) BestStory(f Features, t time.Time, stories []StoryProfile) (best StoryDecision, ok bool) {
	for _, p := range stories {
		d := c.DecideStory(f, t, p)
		if d.Join && (!ok || d.Similarity > best.Similarity) {
			best, ok = d, true
		}
	}
	return best, ok
}

// sharedNames counts the distinct names and quotes two feature sets share.
// The entity and pair features of one name are counted once: "President
// Donald Trump" yields entities president, donald, trump and pairs
// "president donald", "donald trump", all one name. Words linked by a
// shared pair, or by consecutive words of a shared quote, form one group;
// the count is the number of groups.
func sharedNames(a, b Features) int {
	parent := make(map[string]string)
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	union := func(words []string) {
		for i := range words {
			find(words[i])
			if i > 0 {
				parent[find(words[i])] = find(words[0])
			}
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok || len(k) < 3 {
			continue
		}
		switch k[:2] {
		case kindEntity:
			union([]string{"w:" + k[2:]})
		case kindPair:
			ws := strings.Fields(k[2:])
			for i := range ws {
				ws[i] = "w:" + ws[i]
			}
			union(ws)
		case kindQuote:
			ws := strings.Fields(k[2:])
			for i := range ws {
				ws[i] = "q:" + ws[i]
			}
			union(ws)
		}
	}
	n := 0
	for x := range parent {
		if find(x) == x {
			n++
		}
	}
	return n
}
