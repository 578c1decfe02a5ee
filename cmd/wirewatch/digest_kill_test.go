package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDigestSendSurvivesKill9 builds the real binary, kills `wirewatch
// digest send` with SIGKILL while the receiver holds its request, and
// checks that the next send delivers the same digest: one id for the
// window, same key, same body.
func TestDigestSendSurvivesKill9(t *testing.T) {
	bin := wirewatchBinary(t)
	dir := t.TempDir()

	var mu sync.Mutex
	var keys []string
	var bodies [][]byte
	stall := true
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		keys = append(keys, req.Header.Get("Idempotency-Key"))
		bodies = append(bodies, body)
		hold := stall
		mu.Unlock()
		arrived <- struct{}{}
		if hold { // the sender is killed while we hold its request
			<-req.Context().Done()
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	t.Setenv("WW_TEST_DIGEST_SECRET", "kill-test-secret")
	cfg := dgConfig(t, dir, srv.URL, "")
	feed := dgFeed(t, dir, "wire", "First report of the day", "Second report of the day", "Third report")
	if r := dgRun(t, "--config", cfg, "ingest", feed); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.out)
	}

	first := exec.Command(bin, "--config", cfg, "digest", "send", "morning")
	var firstOut bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		t.Fatalf("no request arrived; sender said:\n%s", firstOut.String())
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL mid-delivery
		t.Fatal(err)
	}
	first.Wait()
	// The file the killed process left is consistent, and holds the pending
	// digest it wrote before its first attempt.
	st := openTestStore(t, filepath.Join(dir, "wirewatch.db"))
	if err := st.Check(context.Background()); err != nil {
		t.Fatalf("store after kill -9: %v", err)
	}
	pending, err := st.PendingDigest(context.Background(), "morning")
	st.Close()
	if err != nil {
		t.Fatalf("no pending digest after kill -9: %v", err)
	}

	mu.Lock()
	stall = false
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--config", cfg, "digest", "send", "morning").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "delivered: 3 stories") {
		t.Fatalf("send after kill: %v\n%s", err, out)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 {
		t.Fatalf("receiver saw %d requests, want 2", len(keys))
	}
	if keys[0] != pending.ID || keys[0] != keys[1] || !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("the repeat is a different digest: keys %q, bodies equal %v", keys, bytes.Equal(bodies[0], bodies[1]))
	}
	var sent struct {
		ID      string `json:"id"`
		Stories []any  `json:"stories"`
	}
	if err := json.Unmarshal(bodies[0], &sent); err != nil || sent.ID != keys[0] || len(sent.Stories) != 3 {
		t.Errorf("body: %v id %q stories %d", err, sent.ID, len(sent.Stories))
	}
	list, err := exec.Command(bin, "--config", cfg, "digest", "list", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rows []digestRow
	if err := json.Unmarshal(list, &rows); err != nil || len(rows) != 1 || rows[0].ID != keys[0] || rows[0].Status != "delivered" {
		t.Errorf("outbox after restart: %v %s", err, list)
	}
	if _, err := os.Stat(filepath.Join(dir, "wirewatch.db")); err != nil {
		t.Fatal(err)
	}
}
