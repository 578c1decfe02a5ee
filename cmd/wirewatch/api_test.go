package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

func TestQueryValuesRoundTrip(t *testing.T) {
	t0 := time.Date(2025, 10, 28, 9, 30, 15, 123456789, time.UTC)
	tests := []struct {
		name string
		q    store.Query
	}{
		{"empty", store.Query{}},
		{"all fields", store.Query{Since: t0, Until: t0.Add(time.Hour), Feed: "dawn", Topic: "afpak-talks", Words: []string{"Istanbul", "talks"}, Limit: 7}},
		{"odd text", store.Query{Feed: "a&b=c?", Words: []string{"ÖLPREIS", "x y"}}},
		{"offset zone", store.Query{Since: time.Date(2025, 10, 28, 9, 0, 0, 0, time.FixedZone("PKT", 5*3600))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(queryValues(tt.q).Encode())
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseQueryValues(v)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Since.Equal(tt.q.Since) || !got.Until.Equal(tt.q.Until) {
				t.Fatalf("times %v..%v, want %v..%v", got.Since, got.Until, tt.q.Since, tt.q.Until)
			}
			got.Since, got.Until, tt.q.Since, tt.q.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.q) {
				t.Fatalf("got %+v, want %+v", got, tt.q)
			}
		})
	}
}

func TestParseQueryValuesErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"since=yesterday", `since: "yesterday" is not an RFC 3339 time`},
		{"until=2025-13-01T00:00:00Z", `until: "2025-13-01T00:00:00Z" is not an RFC 3339 time`},
		{"limit=-1", `limit: "-1" is not a count`},
		{"limit=ten", `limit: "ten" is not a count`},
		{"colour=red", `unknown parameter "colour"`},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.raw)
		if _, err := parseQueryValues(v); err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %q", tt.raw, err, tt.want)
		}
	}
}

func FuzzParseQueryValues(f *testing.F) {
	f.Add("since=2025-10-28T09:00:00Z&until=2025-10-29T00:00:00.5%2B05:00&feed=dawn&topic=t&word=a&word=b&limit=3")
	f.Add("limit=99999999999999999999")
	f.Add("word=%FF%FE&feed=")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseQueryValues(v)
		if err != nil {
			return
		}
		// What parses must survive the client's encoding unchanged.
		q2, err := parseQueryValues(queryValues(q))
		if err != nil {
			t.Fatalf("re-encoded query %+v does not parse: %v", q, err)
		}
		if !q2.Since.Equal(q.Since) || !q2.Until.Equal(q.Until) || q2.Feed != q.Feed || q2.Topic != q.Topic ||
			q2.Limit != q.Limit || strings.Join(q2.Words, "\x00") != strings.Join(q.Words, "\x00") {
			t.Fatalf("round trip changed %+v into %+v", q, q2)
		}
	})
}

func TestParseProcLocks(t *testing.T) {
	const locks = `1: POSIX  ADVISORY  WRITE 812 00:1a:777 0 EOF
2: FLOCK  ADVISORY  WRITE 4711 fe:01:123456 0 EOF
2: -> FLOCK  ADVISORY  READ 4712 fe:01:123456 0 EOF
3: FLOCK  ADVISORY  READ 99 00:2f:123456 0 EOF
`
	tests := []struct {
		name         string
		major, minor uint32
		ino          uint64
		pid          int
		ok           bool
	}{
		{"device and inode", 0xfe, 1, 123456, 4711, true},
		{"inode on another device (overlay)", 0x00, 0x30, 123456, 4711, true},
		{"posix lock", 0, 0x1a, 777, 812, true},
		{"not locked", 0xfe, 1, 42, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, ok := parseProcLocks([]byte(locks), tt.major, tt.minor, tt.ino)
			if pid != tt.pid || ok != tt.ok {
				t.Fatalf("got %d, %v; want %d, %v", pid, ok, tt.pid, tt.ok)
			}
		})
	}
}

func FuzzParseProcLocks(f *testing.F) {
	f.Add([]byte("1: FLOCK  ADVISORY  WRITE 4711 fe:01:123456 0 EOF\n"), uint64(123456))
	f.Add([]byte("1: -> FLOCK  ADVISORY  WRITE 1 fe:01:1 0 EOF\n1: FLOCK ADVISORY WRITE -3 fe:01:1 0 EOF"), uint64(1))
	f.Add([]byte("garbage\n::::\n"), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, ino uint64) {
		pid, ok := parseProcLocks(data, 0xfe, 1, ino)
		if ok != (pid > 0) {
			t.Fatalf("pid %d with ok %v", pid, ok)
		}
	})
}

// TestAPIServerInProcess serves the API from a store in this process and
// checks the client's errors match the direct path's.
func TestAPIServerInProcess(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ww.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	topic, err := match.CompileTopic(match.TopicSpec{Name: "all"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listenUnix(db+".sock", "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &apiServer{
		st: st, pipe: watcher.NewPipeline(st, []*match.Topic{topic}, nil), log: slog.New(slog.DiscardHandler), now: time.Now,
		states: func() []store.FeedState { return []store.FeedState{{Name: "one"}} },
		status: apiStatus{DB: db},
	}
	srv.serve(ln)
	defer srv.shutdown(context.Background())
	ctx := context.Background()
	c, err := dialAPI(ctx, db+".sock", db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Item(ctx, "12345"); !errors.Is(err, store.ErrNotFound) || err.Error() != "item 12345: not found" {
		t.Fatalf("missing item: %v", err)
	}
	if _, err := c.Ingest(ctx, "x", []byte("<html>not a feed</html>")); err == nil {
		t.Fatal("a document that does not parse must fail")
	}
	body, err := os.ReadFile(filepath.Join("testdata", "service", "talks.rss"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Ingest(ctx, "talks", body)
	if err != nil || rep.Kept != 3 {
		t.Fatalf("ingest: %+v, %v", rep, err)
	}
	remote, err := c.Items(ctx, store.Query{Words: []string{"istanbul"}})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := st.Items(ctx, store.Query{Words: []string{"istanbul"}})
	if err != nil || !reflect.DeepEqual(remote, direct) || len(direct) != 1 {
		t.Fatalf("items through the socket %+v, direct %+v (%v)", remote, direct, err)
	}
	var buf bytes.Buffer
	if n, err := c.Backup(ctx, &buf); err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	if states, err := c.FeedStates(ctx); err != nil || len(states) != 1 || states[0].Name != "one" {
		t.Fatalf("feed states: %+v, %v", states, err)
	}
	if _, err := dialAPI(ctx, db+".sock", filepath.Join(dir, "other.db")); err == nil || !strings.Contains(err.Error(), "serves") {
		t.Fatalf("a daemon of another database must be refused, got %v", err)
	}
	if _, err := dialAPI(ctx, filepath.Join(dir, "none.sock"), db); !errors.Is(err, errNoDaemon) {
		t.Fatalf("no socket: err = %v, want errNoDaemon", err)
	}
	// A live socket is not stale: a second listener must refuse it.
	if _, err := listenUnix(db+".sock", "", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "answers") {
		t.Fatalf("second listener on a live socket: %v", err)
	}
}

// benchAPI serves a store of n items on a socket in this process.
func benchAPI(b *testing.B, n int) (*store.Store, *apiClient) {
	b.Helper()
	dir := b.TempDir()
	db := filepath.Join(dir, "ww.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	items := make([]match.Item, n)
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = match.Item{Feed: "f", GUID: fmt.Sprint(i), Title: fmt.Sprintf("Talks round %d in Istanbul", i),
			Summary: "Delegations met again.", Published: t0.Add(time.Duration(i) * time.Minute), Topics: []string{"all"}}
	}
	if _, err := st.Commit(context.Background(), store.Batch{Kept: items}); err != nil {
		b.Fatal(err)
	}
	ln, err := listenUnix(db+".sock", "", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	srv := &apiServer{st: st, log: slog.New(slog.DiscardHandler), now: time.Now, status: apiStatus{DB: db}}
	srv.serve(ln)
	b.Cleanup(func() { srv.shutdown(context.Background()) })
	c, err := dialAPI(context.Background(), db+".sock", db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return st, c
}

// BenchmarkItems compares a 50-item query (the table default) through the
// socket with the same query on the open store.
func BenchmarkItems(b *testing.B) {
	st, c := benchAPI(b, 5000)
	q := store.Query{Limit: 50}
	ctx := context.Background()
	b.Run("socket", func(b *testing.B) {
		for b.Loop() {
			if items, err := c.Items(ctx, q); err != nil || len(items) != 50 {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if items, err := st.Items(ctx, q); err != nil || len(items) != 50 {
				b.Fatal(len(items), err)
			}
		}
	})
}

func TestListenUnixAccess(t *testing.T) {
	dir := t.TempDir()
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no name for this process's group: %v", err)
	}
	tests := []struct {
		name, group string
		mode        os.FileMode
	}{
		{"private", "", 0o600},
		{"group", g.Name, 0o660},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".sock")
			ln, err := listenUnix(path, tt.group, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Fatalf("mode %v, want %v", fi.Mode().Perm(), tt.mode)
			}
			if gid := fi.Sys().(*syscall.Stat_t).Gid; tt.group != "" && int(gid) != os.Getgid() {
				t.Fatalf("gid %d, want %d", gid, os.Getgid())
			}
		})
	}
	if _, err := listenUnix(filepath.Join(dir, "x.sock"), "no-such-group-wirewatch", slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("an unknown group must be an error")
	}
	notSock := filepath.Join(dir, "file.sock")
	os.WriteFile(notSock, nil, 0o600)
	if _, err := listenUnix(notSock, "", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("a regular file in the way: %v", err)
	}
	long := filepath.Join(dir, strings.Repeat("x", 120)+".sock")
	if _, err := listenUnix(long, "", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("a too long path: %v", err)
	}
}

// TestAPISendDigest: POST /v1/digests/{name}/send returns what the
// daemon's runner did, and the client turns a failed attempt back into the
// *digest.DeliveryError the direct path returns.
func TestAPISendDigest(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ww.db")
	cfgPath := dgConfig(t, dir, "https://relay.example.org/hook", "")
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2025, 10, 30, 7, 1, 0, 0, time.UTC)
	calls := 0
	send := func(_ context.Context, name string) (store.Digest, bool, error) {
		calls++
		rec := store.Digest{ID: name + "-1", Name: name, Stories: 2, Attempts: calls, Body: []byte("payload")}
		if calls == 1 {
			return rec, true, &digest.DeliveryError{ID: rec.ID, Next: next, Reason: "http 503"}
		}
		return rec, true, nil
	}
	ln, err := listenUnix(db+".sock", "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &apiServer{log: slog.New(slog.DiscardHandler), now: time.Now, status: apiStatus{DB: db},
		cfg: func() *Config { return cfg }, sendDigest: send}
	srv.serve(ln)
	defer srv.shutdown(context.Background())
	ctx := context.Background()
	c, err := dialAPI(ctx, db+".sock", db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	rec, ok, err := c.SendDigest(ctx, "morning")
	var derr *digest.DeliveryError
	if !ok || !errors.As(err, &derr) || *derr != (digest.DeliveryError{ID: "morning-1", Next: next, Reason: "http 503"}) {
		t.Fatalf("failed attempt: ok=%v err=%#v", ok, err)
	}
	if rec.ID != "morning-1" || rec.Stories != 2 || rec.Body != nil {
		t.Fatalf("failed attempt's record: %+v", rec)
	}
	if rec, ok, err := c.SendDigest(ctx, "morning"); err != nil || !ok || rec.Attempts != 2 {
		t.Fatalf("delivered: %+v %v %v", rec, ok, err)
	}
	if _, _, err := c.SendDigest(ctx, "evening"); err == nil || !strings.Contains(err.Error(), `no digest "evening"`) || calls != 2 {
		t.Fatalf("unknown digest: %v (runner called %d times)", err, calls)
	}
}
