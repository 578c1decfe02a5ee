package match

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// replay assigns articles, in the order given, to stories the way the store
// does: each joins the best story in the window above the threshold or
// starts its own. It returns the story index of each article.
func replay(cfg StoryConfig, arts []article) []int {
	var stories []StoryProfile
	out := make([]int, len(arts))
	for i, a := range arts {
		f := StoryFeatures(a.Title, a.Text)
		if best, ok := cfg.BestStory(f, a.Published, stories); ok {
			for j := range stories {
				if stories[j].ID == best.Story {
					stories[j].Add(f, a.Published)
					out[i] = j
				}
			}
			continue
		}
		p := StoryProfile{ID: a.Name}
		p.Add(f, a.Published)
		stories = append(stories, p)
		out[i] = len(stories) - 1
	}
	return out
}

func byTime(arts []article) []article {
	out := append([]article{}, arts...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Published.Before(out[j].Published) })
	return out
}

func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestSeedsOneStory(t *testing.T) {
	cfg := DefaultStoryConfig()
	seeds := loadSeeds(t)
	worst := 1.0
	for _, perm := range permutations(len(seeds)) {
		arts := make([]article, len(perm))
		for i, p := range perm {
			arts[i] = seeds[p]
		}
		var p StoryProfile
		for i, a := range arts {
			f := StoryFeatures(a.Title, a.Text)
			if i > 0 {
				d := cfg.DecideStory(f, a.Published, p)
				worst = min(worst, d.Similarity)
				if !d.Join {
					t.Fatalf("order %v: seed %s does not join: %v", perm, a.Name, d)
				}
			}
			p.Add(f, a.Published)
		}
	}
	t.Logf("lowest similarity of a seed joining the story, over all 120 orders: %.3f (threshold %.2f)", worst, cfg.Threshold)
	d := cfg.DecideStory(StoryFeatures(seeds[1].Title, seeds[1].Text), seeds[1].Published,
		profileOf(seeds[0]))
	if !d.Join {
		t.Errorf("rewrite 001 of 000: %v", d)
	}
	t.Logf("000/001: %v", d)
}

func profileOf(a article) StoryProfile {
	p := StoryProfile{ID: a.Name}
	p.Add(StoryFeatures(a.Title, a.Text), a.Published)
	return p
}

// isDoha picks the real dataset items about the Doha ceasefire of 19 Oct.
func isDoha(a article) bool {
	return a.Published.Format("2006-01-02") == "2025-10-19" &&
		(strings.Contains(a.Title, "Doha") || strings.Contains(strings.ToLower(a.Title), "ceasefire")) &&
		strings.Contains(a.Title+a.Text, "Pakistan")
}

func TestDohaAndIstanbulSeparateStories(t *testing.T) {
	cfg := DefaultStoryConfig()
	seeds := loadSeeds(t)
	all := byTime(append(loadDataset(t), seeds...))
	story := replay(cfg, all)
	seedStory := make(map[int]bool)
	var doha []int
	for i, a := range all {
		if strings.HasPrefix(a.Name, "0") {
			seedStory[story[i]] = true
		}
		if isDoha(a) {
			doha = append(doha, i)
		}
	}
	if len(seedStory) != 1 {
		t.Errorf("seeds spread over %d stories in the replay", len(seedStory))
	}
	if len(doha) < 3 {
		t.Fatalf("found %d Doha items in the dataset, want at least 3", len(doha))
	}
	for _, i := range doha {
		if seedStory[story[i]] {
			t.Errorf("Doha item %q (%s) is in the Istanbul story", all[i].Title, all[i].Published.Format(time.DateOnly))
		}
		// Outside the window, whatever the similarity.
		d := cfg.DecideStory(StoryFeatures(all[i].Title, all[i].Text), all[i].Published, profileOf(seeds[1]))
		if d.Join || d.InWindow {
			t.Errorf("Doha item %q vs Istanbul seed: %v", all[i].Title, d)
		}
		t.Logf("Doha %q vs Istanbul seed: similarity %.3f, in window %v", all[i].Title, d.Similarity, d.InWindow)
	}
	dohaStories := make(map[int]int)
	for _, i := range doha {
		dohaStories[story[i]]++
	}
	biggest := 0
	for _, n := range dohaStories {
		biggest = max(biggest, n)
	}
	if biggest < 3 {
		t.Errorf("the Doha ceasefire reports form no story of 3 or more: %v", dohaStories)
	}
	// Print the replayed stories with more than one member.
	groups := make(map[int][]string)
	for i, a := range all {
		groups[story[i]] = append(groups[story[i]], a.Published.Format("01-02")+" "+a.Title)
	}
	for _, g := range groups {
		if len(g) > 1 {
			t.Logf("story: %q", g)
		}
	}
}

func TestUnrelatedSameDayItemsSeparate(t *testing.T) {
	cfg := DefaultStoryConfig()
	ds := loadDataset(t)
	find := func(prefix string) article {
		for _, a := range ds {
			if strings.HasPrefix(a.Title, prefix) {
				return a
			}
		}
		t.Skipf("dataset item %q not found", prefix)
		return article{}
	}
	ceasefire := profileOf(find("Pakistan, Afghanistan reach ceasefire agreement in Doha talks"))
	for _, other := range []string{
		"Women’s World Cup: Pakistan on brink of elimination",
		"Pakistan may bring third spinner",
		"Pakistan launches its first hyperspectral satellite",
		"The Pakistani families caught in an endless cycle",
		"IMF cannot impose any condition",
	} {
		a := find(other)
		d := cfg.DecideStory(StoryFeatures(a.Title, a.Text), a.Published, ceasefire)
		if d.Join {
			t.Errorf("%q joins the Doha ceasefire story: %v", a.Title, d)
		}
	}
}

func TestStoryWindow(t *testing.T) {
	cfg := DefaultStoryConfig()
	day := time.Date(2025, 10, 28, 12, 0, 0, 0, time.UTC)
	p := StoryProfile{First: day, Last: day.Add(24 * time.Hour)}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{day, true},
		{day.Add(-71 * time.Hour), true},
		{day.Add(-73 * time.Hour), false},
		{day.Add(24*time.Hour + 72*time.Hour), true},
		{day.Add(24*time.Hour + 73*time.Hour), false},
		{time.Time{}, true},
	} {
		if got := cfg.InWindow(p, tt.at); got != tt.want {
			t.Errorf("InWindow(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	long := StoryProfile{First: day, Last: day.Add(13 * 24 * time.Hour)}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{day.Add(14 * 24 * time.Hour), true},
		{day.Add(15 * 24 * time.Hour), false}, // within 3 days of last, but the span would exceed 14 days
		{day.Add(-2 * 24 * time.Hour), false},
	} {
		if got := cfg.InWindow(long, tt.at); got != tt.want {
			t.Errorf("long story: InWindow(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestStoryFeatures(t *testing.T) {
	f := StoryFeatures("Kabul-Islamabad Talks in Istanbul Come to a Halt",
		"However, the talks in Istanbul broke down, Kabul said. Officials from the Islamic Emirate of Afghanistan met Khawaja Asif.\n"+
			"The TTP was discussed. “Our return empty-handed is evidence,” Asif said.")
	for _, k := range []string{"e:istanbul", "e:kabul", "p:islamic emirate", "p:khawaja asif", "e:ttp", "q:our return empty"} {
		if f[k] == 0 {
			t.Errorf("missing feature %s in %v", k, f)
		}
	}
	for _, k := range []string{"e:however", "e:come", "e:halt", "e:the"} {
		if f[k] != 0 {
			t.Errorf("unexpected feature %s", k)
		}
	}
}

func TestStoryConfigValidate(t *testing.T) {
	if err := DefaultStoryConfig().Validate(); err != nil {
		t.Error(err)
	}
	if err := (StoryConfig{Window: 0, Threshold: 0.3}).Validate(); err == nil {
		t.Error("zero window accepted")
	}
	if err := (StoryConfig{Window: time.Hour, Threshold: 2}).Validate(); err == nil {
		t.Error("threshold 2 accepted")
	}
	if err := DefaultDedupConfig().Validate(); err != nil {
		t.Error(err)
	}
	if err := (DedupConfig{MinContainment: 0}).Validate(); err == nil {
		t.Error("zero containment accepted")
	}
}

func FuzzStoryFeatures(f *testing.F) {
	f.Add("Kabul-Islamabad Talks", "“Quoted words here now,” said Khawaja Asif of the TTP.")
	f.Add("", "“unterminated quote")
	f.Fuzz(func(t *testing.T, title, text string) {
		fs := StoryFeatures(title, text)
		for k, w := range fs {
			if !(w > 0) {
				t.Fatalf("feature %q weight %v", k, w)
			}
		}
		if c := Cosine(fs, fs); len(fs) > 0 && (c < 0.999 || c > 1.001) {
			t.Fatalf("self cosine %v", c)
		}
	})
}

func TestSharedNamesCountsEachNameOnce(t *testing.T) {
	trump := StoryFeatures("", "Officials said President Donald Trump spoke on Monday.")
	other := StoryFeatures("", "A columnist wrote that President Donald Trump had not called.")
	if n := sharedNames(trump, other); n != 1 {
		t.Errorf("one shared name counted %d times", n)
	}
	a := StoryFeatures("", "Pakistan's Khawaja Asif spoke in Istanbul on Monday.")
	b := StoryFeatures("", "In Istanbul, the minister Khawaja Asif said talks ended.")
	if n := sharedNames(a, b); n != 2 {
		t.Errorf("Khawaja Asif and Istanbul counted as %d names", n)
	}
}
