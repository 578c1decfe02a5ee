package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

// dialWait bounds connecting to the daemon's socket and its status reply:
// a daemon that cannot answer that fast is treated as not answering.
const dialWait = 2 * time.Second

// errNoDaemon means nothing answers on the socket: the caller opens the
// database file itself.
var errNoDaemon = errors.New("daemon not answering")

// apiError is an error reply of the socket API.
type apiError struct {
	Msg  string `json:"error"`
	Code string `json:"code"`
}

func (e *apiError) Error() string { return e.Msg }

// Is lets callers test a remote "not found" with errors.Is(err,
// store.ErrNotFound), like the direct path.
func (e *apiError) Is(target error) bool {
	return e.Code == codeNotFound && target == store.ErrNotFound
}

// apiClient talks to a running daemon over its socket. It implements
// reader, so read commands do not know which path they use.
type apiClient struct {
	hc     *http.Client
	socket string
	status apiStatus
}

// dialAPI connects to the daemon at socket and checks that it serves the
// database at db. It returns an error wrapping errNoDaemon when nothing
// answers there.
func dialAPI(ctx context.Context, socket, db string) (*apiClient, error) {
	dialer := net.Dialer{Timeout: dialWait}
	c := &apiClient{socket: socket, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute, // a big ingest or query
		DisableCompression:    true,
	}}}
	sctx, cancel := context.WithTimeout(ctx, dialWait)
	defer cancel()
	if err := c.do(sctx, http.MethodGet, "/v1/status", nil, nil, &c.status); err != nil {
		c.Close()
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("daemon at %s: %w", socket, err)
		}
		return nil, fmt.Errorf("%w at %s: %v", errNoDaemon, socket, err)
	}
	if db != "" && !samePath(c.status.DB, db) {
		c.Close()
		return nil, fmt.Errorf("the daemon on %s serves %s, not %s: set [daemon] socket, or --db, to match", socket, c.status.DB, db)
	}
	return c, nil
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// Close releases the client's idle connections.
func (c *apiClient) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// do sends one request; out, when not nil, receives the JSON reply.
func (c *apiClient) do(ctx context.Context, method, path string, params url.Values, body io.Reader, out any) error {
	resp, err := c.send(ctx, method, path, params, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("daemon reply to %s: %w", path, err)
	}
	return nil
}

// send sends one request and returns a 2xx response; other statuses
// become *apiError.
func (c *apiClient) send(ctx context.Context, method, path string, params url.Values, body io.Reader) (*http.Response, error) {
	u := "http://wirewatch" + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	ae := &apiError{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(ae); err != nil || ae.Msg == "" {
		return nil, fmt.Errorf("daemon answered %s to %s %s", resp.Status, method, path)
	}
	return nil, ae
}

// Items is store.Items through the daemon.
func (c *apiClient) Items(ctx context.Context, q store.Query) ([]match.Item, error) {
	var items []match.Item
	err := c.do(ctx, http.MethodGet, "/v1/items", queryValues(q), nil, &items)
	return items, err
}

// Item is store.Item through the daemon.
func (c *apiClient) Item(ctx context.Context, id string) (match.Item, error) {
	var it match.Item
	err := c.do(ctx, http.MethodGet, "/v1/items/"+url.PathEscape(id), nil, nil, &it)
	return it, err
}

// Stories is store.Stories through the daemon.
func (c *apiClient) Stories(ctx context.Context, q store.StoryQuery) ([]store.Story, error) {
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set(paramSince, q.Since.Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set(paramLimit, strconv.Itoa(q.Limit))
	}
	var list []store.Story
	err := c.do(ctx, http.MethodGet, "/v1/stories", v, nil, &list)
	return list, err
}

// ExplainDup is store.ExplainDup through the daemon.
func (c *apiClient) ExplainDup(ctx context.Context, id string) (store.DupExplanation, error) {
	var e store.DupExplanation
	err := c.do(ctx, http.MethodGet, "/v1/items/"+url.PathEscape(id)+"/dup", nil, nil, &e)
	return e, err
}

// Digests is store.Digests through the daemon.
func (c *apiClient) Digests(ctx context.Context, q store.DigestQuery) ([]store.Digest, error) {
	v := url.Values{}
	if q.Name != "" {
		v.Set("name", q.Name)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var list []store.Digest
	err := c.do(ctx, http.MethodGet, "/v1/digests", v, nil, &list)
	return list, err
}

// PreviewDigest renders digest name with the daemon's config.
func (c *apiClient) PreviewDigest(ctx context.Context, name string, since time.Time) (digest.Message, error) {
	v := url.Values{}
	if !since.IsZero() {
		v.Set("since", since.Format(time.RFC3339Nano))
	}
	var m digest.Message
	err := c.do(ctx, http.MethodPost, "/v1/digests/"+url.PathEscape(name)+"/preview", v, nil, &m)
	return m, err
}

// SendDigest is `digest send` through the daemon: one attempt of digest
// name by the daemon's runner. Like digest.Processor.Send, an attempt that
// did not deliver returns a *digest.DeliveryError.
func (c *apiClient) SendDigest(ctx context.Context, name string) (store.Digest, bool, error) {
	var r apiSendReply
	if err := c.do(ctx, http.MethodPost, "/v1/digests/"+url.PathEscape(name)+"/send", nil, nil, &r); err != nil {
		return store.Digest{}, false, err
	}
	if r.Failure != nil {
		return r.Digest, r.Sent, r.Failure
	}
	return r.Digest, r.Sent, nil
}

// UpdateScores is store.UpdateScores through the daemon.
func (c *apiClient) UpdateScores(ctx context.Context, items []match.Item) error {
	body, err := json.Marshal(items)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/items/scores", nil, bytes.NewReader(body), nil)
}

// FeedStates is the daemon's view of every configured feed's state.
func (c *apiClient) FeedStates(ctx context.Context) ([]store.FeedState, error) {
	var states []store.FeedState
	err := c.do(ctx, http.MethodGet, "/v1/feeds", nil, nil, &states)
	return states, err
}

// Ingest runs one feed document through the daemon's pipeline.
func (c *apiClient) Ingest(ctx context.Context, feed string, body []byte) (watcher.Report, error) {
	var rep watcher.Report
	err := c.do(ctx, http.MethodPost, "/v1/ingest", url.Values{"feed": {feed}}, bytes.NewReader(body), &rep)
	return rep, err
}

// Backup streams a consistent copy of the daemon's database to w and
// returns its length. A transfer cut short is an error.
func (c *apiClient) Backup(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.send(ctx, http.MethodGet, "/v1/backup", nil, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup transfer: %w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("backup transfer: got %d of %d bytes", n, resp.ContentLength)
	}
	return n, nil
}
