package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
	"github.com/wirewatch/wirewatch/watcher/feedfarm"
)

// crashWait bounds every wait of the crash test: a net against a hung
// test on a slow machine, not a speed assertion.
const crashWait = 120 * time.Second

// farmFeed is one feed of the farm as the daemon is configured with it,
// and the items of the document the farm serves for it.
type farmFeed struct {
	name, url string
	items     []match.Item
}

// fetchFarmDocs downloads and parses every farm document the way the
// daemon does (the HTTP charset included), so the test knows which items
// each feed document holds.
func fetchFarmDocs(t *testing.T, farm *feedfarm.Farm) []farmFeed {
	t.Helper()
	var feeds []farmFeed
	parsed := map[string][]match.Item{} // feeds share documents: parse each once
	for i, u := range farm.URLs() {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("farm feed %s: %d %v", u, resp.StatusCode, err)
		}
		_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		charset := strings.ToLower(params["charset"])
		key := charset + "\x00" + string(body)
		if _, ok := parsed[key]; !ok {
			doc, err := watcher.ParseFeed(body, charset)
			if err != nil {
				t.Fatalf("farm feed %s does not parse: %v", u, err)
			}
			parsed[key] = doc.Items
		}
		f := farmFeed{name: fmt.Sprintf("f%03d", i), url: u, items: slices.Clone(parsed[key])}
		for j := range f.items {
			f.items[j].Feed = f.name
		}
		feeds = append(feeds, f)
	}
	return feeds
}

// writeCrashConfig writes a config polling every farm feed into a
// firehose topic, with a short host spacing so the daemon works hard.
func writeCrashConfig(t *testing.T, dir string, feeds []farmFeed) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[store]\npath = \"ww.db\"\n[daemon]\nstall = \"30s\"\n")
	b.WriteString("[poll]\ninterval = \"1m\"\nhost_spacing = \"10ms\"\nper_host = 2\nconcurrency = 16\nshutdown_timeout = \"5s\"\n")
	for _, f := range feeds {
		fmt.Fprintf(&b, "\n[[feed]]\nname = %q\nurl = %q\n", f.name, f.url)
	}
	b.WriteString("\n[[topic]]\nname = \"all\"\n")
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openAfterKill opens the database a killed daemon left and checks it.
func openAfterKill(t *testing.T, db, when string) *store.Store {
	t.Helper()
	st, err := store.Open(db, store.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("%s: database does not open: %v", when, err)
	}
	if err := st.Check(context.Background()); err != nil {
		st.Close()
		t.Fatalf("%s: %v", when, err)
	}
	return st
}

// storedStates returns the stored feed states by name.
func storedStates(t *testing.T, st *store.Store) map[string]store.FeedState {
	t.Helper()
	list, err := st.FeedStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.FeedState{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

// polled reports whether a stored state records an attempt: `wirewatch
// feeds` would no longer call the feed new.
func polled(s store.FeedState) bool { return !s.LastAttempt.IsZero() }

// scheduleSoon makes every feed without a recorded attempt (with all,
// every feed) due in a moment, so the daemon about to start polls them at
// once (a first poll is otherwise spread over the interval). Other state
// is kept.
func scheduleSoon(t *testing.T, st *store.Store, feeds []farmFeed, all bool) {
	t.Helper()
	states := storedStates(t, st)
	due := time.Now().Add(1500 * time.Millisecond)
	var put []store.FeedState
	for _, f := range feeds {
		s, ok := states[f.name]
		if ok && polled(s) && !all {
			continue
		}
		if !ok {
			s = store.FeedState{Name: f.name, URL: f.url, OriginalURL: f.url}
		}
		s.NextDue = due
		put = append(put, s)
	}
	if err := st.PutFeedStates(context.Background(), put...); err != nil {
		t.Fatal(err)
	}
}

// cliItems lists every stored item, copies included, with the real
// binary (`wirewatch items --format jsonl`).
func cliItems(t *testing.T, bin, cfg string) []match.Item {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--config", cfg, "items", "--format", "jsonl", "--copies")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wirewatch items: %v\n%s", err, stderr.String())
	}
	var items []match.Item
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var it match.Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("wirewatch items: line %q: %v", sc.Text(), err)
		}
		items = append(items, it)
	}
	return items
}

// crashState is what the test has learned across kills.
type crashState struct {
	feeds  []farmFeed
	counts map[string]int             // items stored per feed, once non-zero
	states map[string]store.FeedState // last stored states
}

// verify checks the database a stopped daemon left: every feed document
// stored entirely or not at all, item counts that never change once a
// document is stored, no item stored twice (same feed and guid, link or
// text), and polled feeds that
// stay polled with counters that never go back.
func (cs *crashState) verify(t *testing.T, st *store.Store, items []match.Item, when string) (docs int) {
	t.Helper()
	ctx := context.Background()
	count := map[string]int{}
	seen := map[string]string{}
	for _, it := range items {
		count[it.Feed]++
		// Each identity the store deduplicates on, within the feed.
		for _, id := range []string{"guid " + it.GUID, "link " + store.NormalizeLink(it.Link), "text " + it.Title + "\n" + it.Summary} {
			if strings.HasSuffix(id, " ") || id == "text \n" {
				continue
			}
			k := it.Feed + "\x00" + id
			if prev, ok := seen[k]; ok {
				t.Fatalf("%s: feed %s: %.80q stored twice, items %s and %s", when, it.Feed, id, prev, it.ID)
			}
			seen[k] = it.ID
		}
	}
	for _, f := range cs.feeds {
		known, err := st.Known(ctx, f.items)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, ok := range known {
			if ok {
				k++
			}
		}
		n := count[f.name]
		switch {
		case k != 0 && k != len(f.items):
			t.Fatalf("%s: feed %s has %d of its document's %d items: a commit was torn", when, f.name, k, len(f.items))
		case n > 0 && k == 0:
			t.Fatalf("%s: feed %s has %d items stored but none of its document known", when, f.name, n)
		case n > len(f.items):
			t.Fatalf("%s: feed %s has %d items stored, its document only %d", when, f.name, n, len(f.items))
		case cs.counts[f.name] != 0 && n != cs.counts[f.name]:
			t.Fatalf("%s: feed %s had %d items stored, now %d", when, f.name, cs.counts[f.name], n)
		}
		if n > 0 {
			cs.counts[f.name] = n
			docs++
		}
	}
	now := storedStates(t, st)
	for name, before := range cs.states {
		after := now[name]
		if polled(before) && (!polled(after) || after.Requests < before.Requests || after.LastAttempt.Before(before.LastAttempt)) {
			t.Fatalf("%s: feed %s went back from %+v to %+v", when, name, before, after)
		}
	}
	for _, f := range cs.feeds {
		if s := now[f.name]; polled(s) && len(f.items) > 0 && s.ItemsSeen%int64(len(f.items)) != 0 {
			t.Fatalf("%s: feed %s saw %d items, not a multiple of its document's %d", when, f.name, s.ItemsSeen, len(f.items))
		}
	}
	cs.states = now
	return docs
}

// waitFarmRequests waits until the farm served n requests more than from.
func waitFarmRequests(t *testing.T, farm *feedfarm.Farm, p *daemonProc, from, n int64) {
	t.Helper()
	deadline := time.Now().Add(crashWait)
	for farm.Stats().Requests-from < n {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon made %d of %d requests", farm.Stats().Requests-from, n)
		}
		select {
		case <-p.done:
			t.Fatalf("the daemon exited: %v", p.cmd.ProcessState)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitAllPolled waits until the daemon reports, through its socket, an
// attempt on every configured feed, and more requests than before.
func waitAllPolled(t *testing.T, cfg string, want int, before map[string]store.FeedState) {
	t.Helper()
	deadline := time.Now().Add(crashWait)
	for {
		out, errs, code := cli(t, "--config", cfg, "feeds", "--format", "json")
		if code != 0 {
			t.Fatalf("wirewatch feeds through the daemon: exit %d %s", code, errs)
		}
		var rows []feedHealthRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("wirewatch feeds --format json: %v", err)
		}
		fresh := 0
		for _, r := range rows {
			if r.State == "new" || r.Requests <= before[r.Name].Requests {
				fresh++
			}
		}
		if len(rows) != want {
			t.Fatalf("wirewatch feeds lists %d feeds, want %d", len(rows), want)
		}
		if fresh == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d feeds not polled yet", fresh)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDaemonSurvivesKill9UnderLoad runs the real daemon against a farm of
// 200 loopback feeds on 8 hosts and SIGKILLs it at three moments: early
// in its first burst of polls, after a backup through the socket in the
// middle of one, and right after every feed was polled. After each kill
// the database must open and pass Check, `wirewatch items` must work,
// every feed document must be stored entirely or not at all, no item may
// be stored twice, and feed states saved before the kill must survive.
// A last daemon polls every feed again (conditional GETs, documents
// already stored), storing nothing new, and must exit 0 on SIGTERM.
func TestDaemonSurvivesKill9UnderLoad(t *testing.T) {
	bin := wirewatchBinary(t) // skips with -short
	farm, err := feedfarm.Start(feedfarm.Options{Feeds: 200, Hosts: 8, Corpus: feedfarm.CorpusDir(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer farm.Close()
	t0 := time.Now()
	feeds := fetchFarmDocs(t, farm)
	t.Logf("%d feeds on %d hosts from %d documents, fetched and parsed in %v", len(feeds), farm.Hosts(), farm.Docs(), time.Since(t0).Round(time.Millisecond))
	dir := t.TempDir()
	cfg := writeCrashConfig(t, dir, feeds)
	db := filepath.Join(dir, "ww.db")
	cs := &crashState{feeds: feeds, counts: map[string]int{}}

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		// The survivor polls every feed again: 304s for the feeds whose
		// validators were saved, whole documents already stored for the
		// others.
		scheduleSoon(t, st, feeds, round == 3)
		before := storedStates(t, st)
		st.Close()
		start, start304 := farm.Stats().Requests, farm.Stats().NotModified
		began := time.Now()
		p := startDaemonProc(t, bin, cfg)
		p.notify.next(t, "READY=1")
		var saved map[string]store.FeedState
		switch round {
		case 0: // early: the first documents are being committed
			waitFarmRequests(t, farm, p, start, 15)
		case 1: // mid-burst, after a backup shows which states were saved
			waitFarmRequests(t, farm, p, start, 100)
			saved = backupStates(t, cfg)
		case 2: // every feed polled; the last states may still be unsaved
			waitAllPolled(t, cfg, len(feeds), nil)
		case 3: // the survivor: finishes the work and stops cleanly
			waitAllPolled(t, cfg, len(feeds), before)
			p.signal(t, syscall.SIGTERM)
			p.notify.next(t, "STOPPING=1")
			if code := p.wait(t); code != 0 {
				t.Fatalf("exit code after SIGTERM = %d, want 0", code)
			}
		}
		when := fmt.Sprintf("after SIGTERM (round %d)", round)
		if round < 3 {
			p.cmd.Process.Kill()
			p.wait(t)
			when = fmt.Sprintf("after kill %d", round)
		}
		requests, answered304 := farm.Stats().Requests-start, farm.Stats().NotModified-start304
		items := cliItems(t, bin, cfg)
		st = openAfterKill(t, db, when)
		docs := cs.verify(t, st, items, when)
		for name, s := range saved {
			if polled(s) && !polled(cs.states[name]) {
				t.Fatalf("%s: feed %s was saved as polled before the kill, now it is new", when, name)
			}
		}
		n, noGUID := 0, 0
		for _, it := range items {
			if it.GUID == "" {
				noGUID++
			}
		}
		for _, s := range cs.states {
			if polled(s) {
				n++
			}
		}
		t.Logf("%s: %v after start, %d requests (%d answered 304); %d items (%d without guid), %d of %d documents stored, %d feeds saved as polled (in a backup before the kill: %d)",
			when, time.Since(began).Round(time.Millisecond), requests, answered304, len(items), noGUID, docs, len(feeds), n, countPolled(saved))
		if round == 3 {
			// Every feed whose validators were saved gets a conditional
			// GET, which the unchanged farm answers with 304.
			withETag := 0
			for _, s := range before {
				if s.ETag != "" {
					withETag++
				}
			}
			if answered304 != int64(withETag) {
				t.Fatalf("%s: %d requests answered 304, but %d feeds had a saved ETag", when, answered304, withETag)
			}
		}
	}
	defer st.Close()
	for _, f := range feeds {
		s := cs.states[f.name]
		if !polled(s) || s.ConsecutiveFailures != 0 {
			t.Errorf("feed %s after the clean stop: %+v, want polled and healthy", f.name, s)
		}
		if len(f.items) > 0 && cs.counts[f.name] == 0 {
			t.Errorf("feed %s: none of its %d items stored", f.name, len(f.items))
		}
	}
}

// backupStates copies the running daemon's database through its socket
// and returns the feed states the copy holds: states certainly saved.
func backupStates(t *testing.T, cfg string) map[string]store.FeedState {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "backup.db")
	if out, errs, code := cli(t, "--config", cfg, "backup", dst); code != 0 || !strings.Contains(out, "through the daemon") {
		t.Fatalf("backup: exit %d %q %q", code, out, errs)
	}
	st, err := store.Open(dst, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(context.Background()); err != nil {
		t.Fatalf("backup taken under load: %v", err)
	}
	return storedStates(t, st)
}

func countPolled(states map[string]store.FeedState) int {
	n := 0
	for _, s := range states {
		if polled(s) {
			n++
		}
	}
	return n
}
