package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

// The socket API is HTTP/1.1 over the daemon's Unix socket; JSON in and
// out, errors as {"error": "...", "code": "..."}. It is versioned by path
// prefix. Every read a CLI command does has a route here, so the command
// gives the same answer whether the daemon holds the database or not.
//
//	GET  /v1/status        daemon pid, version, database, socket
//	GET  /v1/items         store.Query as parameters (see queryValues)
//	GET  /v1/items/{id}    one item
//	GET  /v1/items/{id}/dup  the copy and story decision (explain --dup)
//	GET  /v1/stories?since=&limit=  stories, most recently active first
//	POST /v1/items/scores  body: []match.Item with new topics, score and
//	                       matched (rescore --apply); store.UpdateScores
//	GET  /v1/feeds         every configured feed's state (the poller's, newest)
//	POST /v1/ingest?feed=  body: one RSS/Atom/JSON Feed document; the daemon
//	                       runs it through its own pipeline; reply watcher.Report
//	GET  /v1/digests?name=&status=&limit=   outbox entries (store.Digest)
//	POST /v1/digests/{name}/preview?since=  digest.Message rendered with the
//	                       daemon's config, nothing written
//	POST /v1/digests/{name}/send  digest send: build the digest now unless
//	                       one is pending, one attempt through the daemon's
//	                       digest runner; reply apiSendReply
//	GET  /v1/backup        a consistent copy of the database (octet stream)
//
// To serve another command through the daemon, add its route to apiRoutes
// and a method doing the request to apiClient (api_client.go).

// apiRoutes is the socket API's routing table: an http.ServeMux pattern
// (method and path) and its handler.
var apiRoutes = []apiRoute{
	{"GET /v1/status", (*apiServer).handleStatus},
	{"GET /v1/items", (*apiServer).handleItems},
	{"GET /v1/items/{id}", (*apiServer).handleItem},
	{"GET /v1/items/{id}/dup", (*apiServer).handleExplainDup},
	{"GET /v1/stories", (*apiServer).handleStories},
	{"POST /v1/items/scores", (*apiServer).handleUpdateScores},
	{"GET /v1/feeds", (*apiServer).handleFeeds},
	{"POST /v1/ingest", (*apiServer).handleIngest},
	{"GET /v1/digests", (*apiServer).handleDigests},
	{"POST /v1/digests/{name}/preview", (*apiServer).handlePreviewDigest},
	{"POST /v1/digests/{name}/send", (*apiServer).handleSendDigest},
	{"GET /v1/backup", (*apiServer).handleBackup},
}

// apiRoute is one endpoint of the socket API.
type apiRoute struct {
	pattern string
	handle  func(s *apiServer, w http.ResponseWriter, r *http.Request) error
}

// API error codes; the client maps them back to the errors the direct path
// returns.
const (
	codeNotFound   = "not_found"
	codeBadRequest = "bad_request"
	codeInvalid    = "invalid_document"
	codeInternal   = "internal"
)

// apiStatus is the reply of GET /v1/status.
type apiStatus struct {
	PID     int    `json:"pid"`
	Version string `json:"version"`
	DB      string `json:"db"`
	Socket  string `json:"socket"`
}

// apiServer serves the socket API from the daemon's open store and
// pipeline.
type apiServer struct {
	st     *store.Store
	pipe   *watcher.Pipeline
	states func() []store.FeedState
	log    *slog.Logger
	now    func() time.Time
	status apiStatus
	// cfg is the daemon's current config (it changes on reload).
	cfg func() *Config
	// sendDigest makes one attempt of a digest through the daemon's
	// runner (daemon.SendDigest).
	sendDigest func(ctx context.Context, name string) (store.Digest, bool, error)

	srv      *http.Server
	done     chan error
	stopOnce sync.Once
	stopErr  error
}

// badRequest marks a client error in an API request.
type badRequest struct{ err error }

func (e badRequest) Error() string { return e.err.Error() }

// invalidDocument marks an ingested document that does not parse.
type invalidDocument struct{ err error }

func (e invalidDocument) Error() string { return e.err.Error() }

// serve starts serving ln in a goroutine; shutdown stops it.
func (s *apiServer) serve(ln net.Listener) {
	mux := http.NewServeMux()
	for _, rt := range apiRoutes {
		mux.Handle(rt.pattern, s.wrap(rt.handle))
	}
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.done = make(chan error, 1)
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
}

// shutdown stops accepting, lets requests in flight finish until ctx ends,
// then closes them; the listener's socket file is removed. Later calls
// return the first call's result.
func (s *apiServer) shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		err := s.srv.Shutdown(ctx)
		if err != nil {
			s.srv.Close()
		}
		if serr := <-s.done; serr != nil && err == nil {
			err = serr
		}
		s.stopErr = err
	})
	return s.stopErr
}

// wrap turns a handler's error into a JSON error reply and logs failures
// that are the daemon's fault.
func (s *apiServer) wrap(h func(*apiServer, http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(s, w, r)
		if err == nil {
			return
		}
		status, code := http.StatusInternalServerError, codeInternal
		var br badRequest
		var inv invalidDocument
		switch {
		case errors.Is(err, store.ErrNotFound):
			status, code = http.StatusNotFound, codeNotFound
		case errors.As(err, &br):
			status, code = http.StatusBadRequest, codeBadRequest
		case errors.As(err, &inv):
			status, code = http.StatusUnprocessableEntity, codeInvalid
		case errors.Is(err, context.Canceled):
			return // the client went away
		default:
			s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		if w.Header().Get("Content-Type") == "application/octet-stream" {
			return // a stream already started: the short body tells the client
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(apiError{Msg: err.Error(), Code: code})
	})
}

func reply(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (s *apiServer) handleStatus(w http.ResponseWriter, r *http.Request) error {
	return reply(w, s.status)
}

func (s *apiServer) handleItems(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQueryValues(r.URL.Query())
	if err != nil {
		return badRequest{err}
	}
	items, err := s.st.Items(r.Context(), q)
	if err != nil {
		return err
	}
	return reply(w, items)
}

func (s *apiServer) handleItem(w http.ResponseWriter, r *http.Request) error {
	it, err := s.st.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, it)
}

func (s *apiServer) handleExplainDup(w http.ResponseWriter, r *http.Request) error {
	e, err := s.st.ExplainDup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, e)
}

func (s *apiServer) handleStories(w http.ResponseWriter, r *http.Request) error {
	var q store.StoryQuery
	v := r.URL.Query()
	for k := range v {
		if k != paramSince && k != paramLimit {
			return badRequest{fmt.Errorf("unknown parameter %q", k)}
		}
	}
	if t := v.Get(paramSince); t != "" {
		var err error
		if q.Since, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return badRequest{fmt.Errorf("since: %q is not an RFC 3339 time", t)}
		}
	}
	if l := v.Get(paramLimit); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return badRequest{fmt.Errorf("limit: %q is not a count", l)}
		}
		q.Limit = n
	}
	stories, err := s.st.Stories(r.Context(), q)
	if err != nil {
		return err
	}
	return reply(w, stories)
}

func (s *apiServer) handleUpdateScores(w http.ResponseWriter, r *http.Request) error {
	var items []match.Item
	if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
		return badRequest{fmt.Errorf("scores: %w", err)}
	}
	if err := s.st.UpdateScores(r.Context(), items); err != nil {
		return err
	}
	s.log.Info("scores updated through the socket", "items", len(items))
	return reply(w, struct {
		Updated int `json:"updated"`
	}{len(items)})
}

func (s *apiServer) handleFeeds(w http.ResponseWriter, r *http.Request) error {
	return reply(w, s.states())
}

func (s *apiServer) handleIngest(w http.ResponseWriter, r *http.Request) error {
	feed := r.URL.Query().Get("feed")
	if feed == "" {
		return badRequest{errors.New("ingest: the feed parameter is required")}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxIngestBytes+1))
	if err != nil {
		return badRequest{fmt.Errorf("read: %w", err)}
	}
	if len(body) > maxIngestBytes {
		return invalidDocument{fmt.Errorf("file exceeds %d MiB", maxIngestBytes>>20)}
	}
	doc, err := watcher.ParseFeed(body, "")
	if err != nil {
		return invalidDocument{err}
	}
	rep, err := s.pipe.IngestDocument(r.Context(), feed, doc, s.now())
	if err != nil {
		return err
	}
	s.log.Info("ingested through the socket", "feed", feed, "read", rep.Read, "kept", rep.Kept, "dropped", rep.Dropped)
	return reply(w, rep)
}

func (s *apiServer) handleDigests(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := store.DigestQuery{Name: v.Get("name"), Status: v.Get("status")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return badRequest{fmt.Errorf("limit: %q is not a count", l)}
		}
		q.Limit = n
	}
	list, err := s.st.Digests(r.Context(), q)
	if err != nil {
		return err
	}
	return reply(w, list)
}

func (s *apiServer) handlePreviewDigest(w http.ResponseWriter, r *http.Request) error {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return badRequest{fmt.Errorf("since: %q is not an RFC 3339 time", v)}
		}
		since = t
	}
	cfg := s.cfg()
	if _, err := cfg.digestDefinition(r.PathValue("name"), false); err != nil {
		return badRequest{err}
	}
	m, err := previewDigest(r.Context(), cfg, s.st, r.PathValue("name"), since, s.now, s.log)
	if err != nil {
		return err
	}
	return reply(w, m)
}

// apiSendReply is the reply of POST /v1/digests/{name}/send: the outbox
// entry (without its body), whether there was anything to send, and why
// the attempt did not deliver it.
type apiSendReply struct {
	Digest  store.Digest          `json:"digest"`
	Sent    bool                  `json:"sent"`
	Failure *digest.DeliveryError `json:"failure,omitempty"`
}

func (s *apiServer) handleSendDigest(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if s.sendDigest == nil || s.cfg == nil {
		return errors.New("this daemon does not send digests")
	}
	if _, err := s.cfg().digestDefinition(name, false); err != nil {
		return badRequest{err}
	}
	rec, ok, err := s.sendDigest(r.Context(), name)
	var derr *digest.DeliveryError
	if err != nil && !errors.As(err, &derr) {
		if errors.Is(err, digest.ErrUnknownDigest) {
			return badRequest{fmt.Errorf("%w: reload the daemon after editing its config", err)}
		}
		return err
	}
	rec.Body = nil
	s.log.Info("digest send through the socket", "digest", name, "id", rec.ID, "sent", ok, "delivered", derr == nil && ok)
	return reply(w, apiSendReply{Digest: rec, Sent: ok, Failure: derr})
}

func (s *apiServer) handleBackup(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	n, err := s.st.WriteSnapshot(r.Context(), w, func(n int64) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	})
	if err != nil {
		return err
	}
	s.log.Info("backup served", "bytes", n, "duration", time.Since(start))
	return nil
}

// Query parameter names of GET /v1/items.
const (
	paramSince = "since"
	paramUntil = "until"
	paramFeed  = "feed"
	paramTopic = "topic"
	paramWord  = "word"
	paramLimit = "limit"
	paramStory = "story"
	// paramCopies is "1" to list copies too.
	paramCopies = "copies"
)

// queryValues encodes a store.Query as URL parameters: times as RFC 3339
// with nanoseconds, one word parameter per word.
func queryValues(q store.Query) url.Values {
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set(paramSince, q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set(paramUntil, q.Until.Format(time.RFC3339Nano))
	}
	if q.Feed != "" {
		v.Set(paramFeed, q.Feed)
	}
	if q.Topic != "" {
		v.Set(paramTopic, q.Topic)
	}
	for _, w := range q.Words {
		v.Add(paramWord, w)
	}
	if q.Limit != 0 {
		v.Set(paramLimit, strconv.Itoa(q.Limit))
	}
	if q.Story != "" {
		v.Set(paramStory, q.Story)
	}
	if q.Copies {
		v.Set(paramCopies, "1")
	}
	return v
}

// parseQueryValues is the inverse of queryValues; unknown parameters are
// errors, so a newer client's filter is never silently ignored.
func parseQueryValues(v url.Values) (store.Query, error) {
	var q store.Query
	for k := range v {
		switch k {
		case paramSince, paramUntil, paramFeed, paramTopic, paramWord, paramLimit, paramStory, paramCopies:
		default:
			return q, fmt.Errorf("unknown parameter %q", k)
		}
	}
	var err error
	parseTime := func(name string) time.Time {
		s := v.Get(name)
		if s == "" || err != nil {
			return time.Time{}
		}
		t, perr := time.Parse(time.RFC3339Nano, s)
		if perr != nil {
			err = fmt.Errorf("%s: %q is not an RFC 3339 time", name, s)
		}
		return t
	}
	q.Since, q.Until = parseTime(paramSince), parseTime(paramUntil)
	if err != nil {
		return q, err
	}
	q.Feed, q.Topic, q.Words, q.Story = v.Get(paramFeed), v.Get(paramTopic), v[paramWord], v.Get(paramStory)
	switch c := v.Get(paramCopies); c {
	case "", "0":
	case "1":
		q.Copies = true
	default:
		return q, fmt.Errorf("copies: %q is not 0 or 1", c)
	}
	if s := v.Get(paramLimit); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < 0 {
			return q, fmt.Errorf("limit: %q is not a count", s)
		}
	}
	return q, nil
}

// listenUnix listens on the socket at path with mode 0600 (0660 and the
// group when group is set). A socket file left by a crashed daemon is
// removed; a live one, or a file that is not a socket, is an error.
func listenUnix(path, group string, log *slog.Logger) (net.Listener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("socket path %s is longer than %d bytes: set a shorter [daemon] socket", path, maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket: remove it or set [daemon] socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("another process answers on %s: is a second daemon running with another database?", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
		log.Info("removed stale socket", "path", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := setSocketAccess(path, group); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func setSocketAccess(path, group string) error {
	if group == "" {
		return os.Chmod(path, 0o600)
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return fmt.Errorf("daemon.socket_group: %w", err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return fmt.Errorf("daemon.socket_group %s: gid %q", group, g.Gid)
	}
	if err := os.Chown(path, -1, gid); err != nil {
		return fmt.Errorf("daemon.socket_group %s: %w (the daemon's user must be a member)", group, err)
	}
	return os.Chmod(path, 0o660)
}
