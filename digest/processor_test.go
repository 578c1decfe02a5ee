package digest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

type env struct {
	t    *testing.T
	path string
	st   *store.Store
	clk  *clock
	src  *stories
	rcv  *receiver
	def  *Definition
	p    *Processor
	logs *bytes.Buffer
}

func newEnv(t *testing.T, format string, statuses ...int) *env {
	e := &env{t: t, path: tempDB(t), clk: newClock(t0), src: &stories{list: fixtureStories()}, logs: &bytes.Buffer{}}
	e.rcv = newReceiver(t, statuses...)
	e.def = testDefinition(t, format, e.rcv.URL+"/hook")
	e.open()
	t.Cleanup(func() { e.st.Close() })
	return e
}

// open (re)opens the store and builds a fresh processor, as a restarted
// process would.
func (e *env) open() {
	e.st = openStore(e.t, e.path)
	e.p = NewProcessor(e.st, e.src, ProcessorOptions{
		Now: e.clk.Now, Rand: func() float64 { return 0.5 },
		Backoff: Backoff{Base: time.Minute, Max: time.Hour},
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
}

func (e *env) restart() {
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) windowEnd() time.Time {
	w, err := e.st.DigestWindowStart(context.Background(), e.def.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

func TestRetryThenDeliverSameKeyAndBody(t *testing.T) {
	e := newEnv(t, FormatJSON, 500, 500, 200)
	ctx := context.Background()
	rec, ok, err := e.p.Send(ctx, e.def)
	var derr *DeliveryError
	if !ok || !errors.As(err, &derr) || derr.Permanent {
		t.Fatalf("first attempt: ok=%v err=%v, want a retryable DeliveryError", ok, err)
	}
	if rec.Status != store.DigestPending || rec.Attempts != 1 || !rec.NextAttempt.After(t0) {
		t.Fatalf("after 500: %+v", rec)
	}
	// Not due yet: nothing is sent.
	if _, err := e.p.RetryDue(ctx, []*Definition{e.def}); err != nil || len(e.rcv.requests()) != 1 {
		t.Fatalf("retry before due: err=%v requests=%d", err, len(e.rcv.requests()))
	}
	for range 2 {
		e.clk.Advance(2 * time.Hour)
		if _, err := e.p.RetryDue(ctx, []*Definition{e.def}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := e.rcv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Header.Get("Idempotency-Key") != rec.ID || !bytes.Equal(r.Body, reqs[0].Body) {
			t.Errorf("attempt %d: key %q, body equal %v", i+1, r.Header.Get("Idempotency-Key"), bytes.Equal(r.Body, reqs[0].Body))
		}
		if err := VerifySignature(r.Header.Get(SignatureHeader), r.Body, []byte("whsec-SECRET-456"), t0.Add(time.Duration(i)*2*time.Hour), 0); err != nil {
			t.Errorf("attempt %d signature: %v", i+1, err)
		}
	}
	got, err := e.st.Digest(ctx, rec.ID)
	if err != nil || got.Status != store.DigestDelivered || got.Attempts != 3 {
		t.Fatalf("outbox: %+v %v", got, err)
	}
	if !e.windowEnd().Equal(rec.WindowEnd) {
		t.Errorf("window end %v, want %v", e.windowEnd(), rec.WindowEnd)
	}
	// Nothing new since: the next run sends nothing.
	e.clk.Advance(time.Hour)
	if _, ok, err := e.p.Send(ctx, e.def); ok || err != nil {
		t.Errorf("empty window sent: ok=%v err=%v", ok, err)
	}
	if all, _ := e.st.Digests(ctx, store.DigestQuery{}); len(all) != 1 {
		t.Errorf("%d digests in outbox, want 1", len(all))
	}
}

func TestPermanentFailureNotRetried(t *testing.T) {
	e := newEnv(t, FormatPostmark, 400)
	e.rcv.bodies = []string{"{\"ErrorCode\":300,\"Message\":\"Invalid 'From' address\"}\nsecond line"}
	ctx := context.Background()
	rec, _, err := e.p.Send(ctx, e.def)
	var derr *DeliveryError
	if !errors.As(err, &derr) || !derr.Permanent {
		t.Fatalf("err = %v, want permanent DeliveryError", err)
	}
	if rec.Status != store.DigestFailed || rec.LastError != `http 400: {"ErrorCode":300,"Message":"Invalid 'From' address"}` || rec.LastStatus != 400 {
		t.Fatalf("outbox entry: status %q error %q", rec.Status, rec.LastError)
	}
	e.clk.Advance(48 * time.Hour)
	if _, err := e.p.RetryDue(ctx, []*Definition{e.def}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rcv.requests()); n != 1 {
		t.Fatalf("%d requests, want 1 (no retry after 400)", n)
	}
	if !e.windowEnd().Equal(rec.WindowStart) {
		t.Error("window advanced after a failure")
	}
	// The next digest covers the failed one's window again: no story lost.
	e.rcv.mu.Lock()
	e.rcv.statuses = []int{200}
	e.rcv.mu.Unlock()
	next, ok, err := e.p.Send(ctx, e.def)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if next.ID == rec.ID || !next.WindowStart.Equal(rec.WindowStart) || next.Stories != 2 {
		t.Errorf("next digest %s window %v stories %d; failed one %s window %v", next.ID, next.WindowStart, next.Stories, rec.ID, rec.WindowStart)
	}
}

func TestRestartBetweenAttemptsResumes(t *testing.T) {
	e := newEnv(t, FormatResend, 503, 200)
	ctx := context.Background()
	first, _, _ := e.p.Send(ctx, e.def)
	if first.Status != store.DigestPending {
		t.Fatalf("status %q", first.Status)
	}
	e.restart()
	e.src.add(Story{ID: "99", Headline: "late story", Time: t0.Add(time.Minute)})
	e.clk.Advance(2 * time.Hour)
	// A scheduled run after the restart reuses the pending digest, same body.
	rec, ok, err := e.p.Send(ctx, e.def)
	if err != nil || !ok || rec.ID != first.ID || rec.Status != store.DigestDelivered {
		t.Fatalf("after restart: %+v ok=%v err=%v", rec, ok, err)
	}
	reqs := e.rcv.requests()
	if len(reqs) != 2 || !bytes.Equal(reqs[0].Body, reqs[1].Body) || reqs[1].Header.Get("Idempotency-Key") != first.ID {
		t.Fatalf("resend differs: %d requests", len(reqs))
	}
	// The late story is in the next window, not lost.
	e.clk.Advance(time.Hour)
	next, ok, err := e.p.Send(ctx, e.def)
	if err != nil || !ok || next.Stories != 1 || !next.WindowStart.Equal(first.WindowEnd) {
		t.Fatalf("next: %+v ok=%v err=%v", next, ok, err)
	}
}

func TestEmptyWindow(t *testing.T) {
	for _, sendEmpty := range []bool{false, true} {
		t.Run(map[bool]string{false: "skip", true: "send_empty"}[sendEmpty], func(t *testing.T) {
			e := newEnv(t, FormatJSON, 200)
			e.src.list = nil
			e.def.SendEmpty = sendEmpty
			rec, ok, err := e.p.Send(context.Background(), e.def)
			if err != nil || ok != sendEmpty {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if n := len(e.rcv.requests()); n != map[bool]int{false: 0, true: 1}[sendEmpty] {
				t.Fatalf("%d requests", n)
			}
			if sendEmpty && (rec.Stories != 0 || !bytes.Contains(e.rcv.requests()[0].Body, []byte("No new stories"))) {
				t.Errorf("empty digest: %+v", rec)
			}
		})
	}
}

func TestRetriesGiveUpAfterRetryFor(t *testing.T) {
	e := newEnv(t, FormatJSON, 502)
	e.def.RetryFor = 3 * time.Hour
	ctx := context.Background()
	rec, _, _ := e.p.Send(ctx, e.def)
	for i := 0; i < 20 && rec.Status == store.DigestPending; i++ {
		e.clk.Advance(time.Hour)
		if _, err := e.p.RetryDue(ctx, []*Definition{e.def}); err != nil {
			t.Fatal(err)
		}
		rec, _ = e.st.Digest(ctx, rec.ID)
	}
	if rec.Status != store.DigestFailed || !strings.HasPrefix(rec.LastError, "gave up after") {
		t.Fatalf("status %q error %q", rec.Status, rec.LastError)
	}
	if last := rec.LastAttempt; last.After(rec.Created.Add(3 * time.Hour)) {
		t.Errorf("attempt at %v, after the retry period", last)
	}
}

func TestRetryAfterAndTimeout(t *testing.T) {
	t.Run("429 Retry-After", func(t *testing.T) {
		e := newEnv(t, FormatJSON, 429)
		e.rcv.header.Set("Retry-After", "7200")
		rec, _, _ := e.p.Send(context.Background(), e.def)
		if rec.Status != store.DigestPending || rec.NextAttempt.Before(t0.Add(2*time.Hour)) {
			t.Errorf("next attempt %v, want >= 2h after %v", rec.NextAttempt, t0)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, FormatJSON, 200)
		release := make(chan struct{})
		stall := newStallServer(t, release)
		e.def.URL = stall.URL
		e.p.opts.Timeout = 50 * time.Millisecond
		rec, _, err := e.p.Send(context.Background(), e.def)
		close(release)
		var derr *DeliveryError
		if !errors.As(err, &derr) || derr.Permanent || rec.Status != store.DigestPending || !strings.Contains(rec.LastError, "no response within") {
			t.Errorf("err %v, record %+v", err, rec)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		e := newEnv(t, FormatSlack, 200)
		e.def.URL = "http://127.0.0.1:1/services/T0/B0/SECRETPATH"
		rec, _, _ := e.p.Send(context.Background(), e.def)
		if rec.Status != store.DigestPending || strings.Contains(rec.LastError, "SECRETPATH") {
			t.Errorf("record %+v", rec)
		}
		if strings.Contains(e.logs.String(), "SECRETPATH") {
			t.Error("webhook URL path leaked into logs")
		}
	})
}

func newStallServer(t *testing.T, release chan struct{}) *receiver {
	r := newReceiver(t)
	r.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	return r
}

func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t, FormatPostmark, 500, 200)
	ctx := context.Background()
	e.p.Send(ctx, e.def)
	e.clk.Advance(2 * time.Hour)
	e.p.RetryDue(ctx, []*Definition{e.def})
	out := e.logs.String()
	if !strings.Contains(out, "digest delivered") {
		t.Fatalf("expected delivery log, got:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("secret in logs:\n%s", out)
	}
}

func TestPreparedDigestReused(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	ctx := context.Background()
	a, ok, err := e.p.Prepare(ctx, e.def)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	e.clk.Advance(time.Hour)
	e.src.add(Story{ID: "100", Headline: "new", Time: t0.Add(30 * time.Minute)})
	b, _, err := e.p.Prepare(ctx, e.def)
	if err != nil || b.ID != a.ID || !bytes.Equal(a.Body, b.Body) {
		t.Fatalf("second Prepare built a new digest: %s vs %s (%v)", a.ID, b.ID, err)
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	ctx := context.Background()
	m, err := e.p.Preview(ctx, e.def, t0.Add(-48*time.Hour))
	if err != nil || len(m.Stories) != 2 || !strings.Contains(m.HTML, "Talks between Kabul") {
		t.Fatalf("preview: %v %d", err, len(m.Stories))
	}
	if all, _ := e.st.Digests(ctx, store.DigestQuery{}); len(all) != 0 || len(e.rcv.requests()) != 0 {
		t.Errorf("preview wrote %d digests, sent %d", len(all), len(e.rcv.requests()))
	}
}

// TestObserveAttempts: Observe sees every attempt once, with its result.
func TestObserveAttempts(t *testing.T) {
	e := newEnv(t, FormatJSON, 503, 200, 400)
	type seen struct {
		name   string
		result AttemptResult
	}
	var got []seen
	p := NewProcessor(e.st, e.src, ProcessorOptions{
		Now: e.clk.Now, Rand: func() float64 { return 0.5 },
		Backoff: Backoff{Base: time.Minute, Max: time.Hour},
		Observe: func(name string, r AttemptResult) { got = append(got, seen{name, r}) },
	})
	ctx := context.Background()
	if _, _, err := p.Send(ctx, e.def); err == nil {
		t.Fatal("503 delivered")
	}
	e.clk.Advance(2 * time.Hour)
	if _, err := p.RetryDue(ctx, []*Definition{e.def}); err != nil {
		t.Fatal(err)
	}
	e.src.add(Story{ID: "99", Headline: "A later report", Link: "https://example.org/99", Time: e.clk.Now().Add(-time.Minute)})
	if _, _, err := p.Send(ctx, e.def); err == nil {
		t.Fatal("400 delivered")
	}
	// Nothing pending and nothing new: no attempt, nothing observed.
	if _, err := p.RetryDue(ctx, []*Definition{e.def}); err != nil {
		t.Fatal(err)
	}
	want := []seen{{"morning", ResultRetry}, {"morning", ResultDelivered}, {"morning", ResultFailed}}
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attempt %d observed %v, want %v", i+1, got[i], want[i])
		}
	}
}
