package store

import (
	"context"
	"encoding/xml"
	"errors"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wirewatch/wirewatch/match"
)

// sharedSeeds reads the five seed articles from ../shared/seeds/seeds.rss
// (next to the module root) as items of feed "seeds", or skips.
func sharedSeeds(t testing.TB) []match.Item {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("module root not found")
		}
		dir = filepath.Dir(dir)
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "shared", "seeds", "seeds.rss"))
	if err != nil {
		t.Skipf("../shared/seeds/seeds.rss not available: %v", err)
	}
	var raw struct {
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			Description string `xml:"description"`
			PubDate     string `xml:"pubDate"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`<[^>]*>`)
	var out []match.Item
	for _, it := range raw.Items {
		pub, _ := time.Parse(time.RFC1123Z, strings.TrimSpace(it.PubDate))
		out = append(out, match.Item{Feed: "seeds", GUID: it.GUID, Link: it.Link, Title: it.Title,
			Summary:   strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(it.Description, " "))),
			Published: pub, Fetched: pub.Add(time.Hour), Topics: []string{"afpak"}})
	}
	if len(out) != 5 {
		t.Fatalf("seeds.rss has %d items, want 5", len(out))
	}
	return out
}

// republish makes the copy another outlet would carry: its own feed, link
// and headline, boilerplate around the text, curly quotes straightened, the
// last paragraph trimmed.
func republish(it match.Item, feed string, pub time.Time) match.Item {
	paras := strings.Split(it.Summary, "\n")
	if len(paras) > 3 {
		paras = paras[:len(paras)-1]
	}
	text := "This post was originally published on this site.\nBy Staff Reporter\n" +
		strings.Join(paras, "\n") + "\nRead more: Markets close higher as rupee steadies\nShare this article"
	text = strings.NewReplacer("“", "\"", "”", "\"", "’", "'").Replace(text)
	return match.Item{Feed: feed, GUID: feed + "-" + it.GUID, Link: "https://" + feed + ".example/" + it.GUID,
		Title: "Talks end without a deal, officials say", Summary: text, Published: pub, Fetched: pub.Add(time.Minute),
		Topics: it.Topics}
}

func commit(t *testing.T, s *Store, items ...match.Item) []match.Item {
	t.Helper()
	res, err := s.Commit(context.Background(), Batch{Kept: items})
	if err != nil {
		t.Fatal(err)
	}
	return res.Stored
}

func TestCopiesLinkToFirstStored(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	seed := sharedSeeds(t)[0]
	orig := commit(t, s, seed)[0]
	// The second copy claims an earlier publication time: the first stored
	// stays canonical, the earliest is recorded on the story.
	c1 := commit(t, s, republish(seed, "dawn", seed.Published.Add(2*time.Hour)))[0]
	c2 := commit(t, s, republish(seed, "tribune", seed.Published.Add(-time.Hour)))[0]
	for _, c := range []match.Item{c1, c2} {
		if c.DuplicateOf != orig.ID || c.Story != orig.Story {
			t.Errorf("copy %s: duplicate_of %q story %q, want %q and %q", c.ID, c.DuplicateOf, c.Story, orig.ID, orig.Story)
		}
	}
	can, err := s.Item(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if can.DuplicateOf != "" || len(can.Sources) != 2 || can.Sources[0].Feed != "dawn" || can.Sources[1].ID != c2.ID {
		t.Fatalf("canonical = duplicate_of %q sources %+v", can.DuplicateOf, can.Sources)
	}
	listed, _ := s.Items(ctx, Query{})
	if len(listed) != 1 || listed[0].ID != orig.ID {
		t.Errorf("default listing = %d items, want the canonical only", len(listed))
	}
	all, _ := s.Items(ctx, Query{Copies: true})
	if len(all) != 3 {
		t.Errorf("listing with copies = %d items, want 3", len(all))
	}
	stories, err := s.Stories(ctx, StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 1 {
		t.Fatalf("%d stories, want 1", len(stories))
	}
	st := stories[0]
	if st.ID != orig.ID || st.Reports != 3 || st.Members != 1 || !slices.Equal(st.Outlets, []string{"seeds", "dawn", "tribune"}) || st.Earliest != c2.ID {
		t.Errorf("story = %+v", st)
	}
	why, err := s.ExplainDup(ctx, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if why.DuplicateOf != orig.ID || len(why.Decisions) == 0 || !why.Decisions[0].Copy || why.Decisions[0].Candidate != orig.ID {
		t.Errorf("explanation = %+v", why)
	}
	// Idempotent: the same documents again add nothing.
	res, err := s.Commit(ctx, Batch{Kept: []match.Item{republish(seed, "dawn", seed.Published.Add(2*time.Hour))}})
	if err != nil || len(res.Stored) != 0 || res.Known != 1 {
		t.Fatalf("re-ingest = %+v, %v", res, err)
	}
	// Links survive a reopen.
	s.Close()
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	can, _ = s2.Item(ctx, orig.ID)
	if len(can.Sources) != 2 {
		t.Errorf("after reopen: %d sources", len(can.Sources))
	}
	c3 := commit(t, s2, republish(seed, "geo", seed.Published.Add(3*time.Hour)))[0]
	if c3.DuplicateOf != orig.ID {
		t.Errorf("copy after reopen: duplicate_of %q", c3.DuplicateOf)
	}
}

func TestSeedsFormOneStoryWithoutCopies(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	seeds := sharedSeeds(t)
	stored := commit(t, s, seeds...)
	for _, it := range stored {
		if it.DuplicateOf != "" {
			t.Errorf("seed %s stored as a copy of %s", it.GUID, it.DuplicateOf)
		}
		if it.Story != stored[0].ID {
			why, _ := s.ExplainDup(ctx, it.ID)
			t.Errorf("seed %s in story %s, want %s (%+v)", it.GUID, it.Story, stored[0].ID, why.StoryDecision)
		}
	}
	if stored[1].Origin != "ANI" || stored[4].Origin != "NationPress" {
		t.Errorf("origins = %q, %q; want ANI and NationPress", stored[1].Origin, stored[4].Origin)
	}
	items, err := s.Items(ctx, Query{Story: stored[0].ID})
	if err != nil || len(items) != 5 {
		t.Fatalf("items of the story: %d, %v", len(items), err)
	}
	st, err := s.Story(ctx, stored[0].ID)
	if err != nil || st.Members != 5 || st.Origin != "ANI" {
		t.Errorf("story = %+v, %v", st, err)
	}
}

func TestDifferentEventsSeparateStories(t *testing.T) {
	s, _ := openTemp(t)
	seeds := sharedSeeds(t)
	doha := match.Item{Feed: "aj", GUID: "doha", Title: "Afghanistan, Pakistan agree to immediate ceasefire after talks in Doha",
		Summary:   "The neighbours agreed to a ceasefire mediated by Qatar and Turkiye after talks in Doha, Pakistan's Khawaja Asif said.",
		Published: time.Date(2025, 10, 19, 2, 35, 0, 0, time.UTC), Topics: []string{"afpak"}}
	d := commit(t, s, doha)[0]
	got := commit(t, s, seeds[1])[0]
	if got.Story == d.Story {
		t.Errorf("Istanbul collapse (29 Oct) joined the Doha ceasefire story (19 Oct)")
	}
	cricket := match.Item{Feed: "po", GUID: "cricket", Title: "Pakistan may bring third spinner in second Test against South Africa",
		Summary:   "Pakistan could bring a third spinner in the second Test against South Africa at the Rawalpindi Cricket Stadium.",
		Published: seeds[1].Published.Add(time.Hour), Topics: []string{"afpak"}}
	if c := commit(t, s, cricket)[0]; c.Story == got.Story || c.DuplicateOf != "" {
		t.Errorf("cricket item linked to the talks: story %s duplicate_of %q", c.Story, c.DuplicateOf)
	}
}

func TestCopyWithinOneBatch(t *testing.T) {
	s, _ := openTemp(t)
	seed := sharedSeeds(t)[2]
	stored := commit(t, s, seed, republish(seed, "seeds", seed.Published.Add(time.Hour)))
	if len(stored) != 2 || stored[1].DuplicateOf != stored[0].ID {
		t.Fatalf("stored = %+v", stored)
	}
}

// TestReadOnlyOldFileWithoutDedupBuckets: a file from before copies and
// stories, opened read-only, answers story reads with an error saying what
// to do, not a panic.
func TestReadOnlyOldFileWithoutDedupBuckets(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	commit(t, s, item("a", "1", "First", time.Date(2025, 10, 28, 0, 0, 0, 0, time.UTC)))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketDupFP, bucketDupBand, bucketDupWhy, bucketStories, bucketStoryItems, bucketStoryTime} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Stories(ctx, StoryQuery{}); !errors.Is(err, errNoDedupBuckets) {
		t.Errorf("Stories: %v", err)
	}
	if _, err := ro.ExplainDup(ctx, "1"); !errors.Is(err, errNoDedupBuckets) {
		t.Errorf("ExplainDup: %v", err)
	}
	if _, err := ro.Items(ctx, Query{Story: "1"}); !errors.Is(err, errNoDedupBuckets) {
		t.Errorf("Items --story: %v", err)
	}
	if items, err := ro.Items(ctx, Query{}); err != nil || len(items) != 1 {
		t.Errorf("Items: %d, %v", len(items), err)
	}
}
