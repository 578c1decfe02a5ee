package digest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

func TestParseSchedule(t *testing.T) {
	good := []string{"0 7 * * *", "CRON_TZ=Asia/Karachi 30 6 * * 1-5", "TZ=UTC 0 */6 * * *", "@daily", "@every 90m"}
	for _, s := range good {
		if _, err := ParseSchedule(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{"", "0 7 * *", "61 * * * *", "CRON_TZ=UTC", "CRON_TZ=Nowhere/City 0 7 * * *", "@fortnightly", "0 7 * * * *"}
	for _, s := range bad {
		if _, err := ParseSchedule(s); err == nil || !strings.Contains(err.Error(), "invalid cron spec") {
			t.Errorf("%q: err %v, want invalid cron spec", s, err)
		}
	}
	if loc := scheduleLocation("CRON_TZ=Asia/Karachi 30 6 * * *"); loc.String() != "Asia/Karachi" {
		t.Errorf("location %v", loc)
	}
}

func TestNewRunnerRejectsBadSchedule(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	d := *e.def
	d.Schedule = "CRON_TZ=UTC"
	if _, err := NewRunner(e.p, []*Definition{&d}, nil); err == nil || !strings.Contains(err.Error(), "digest morning: schedule") {
		t.Errorf("err = %v", err)
	}
}

// A digest left pending by a previous process is delivered when the runner
// starts, with the key and body it was written with.
func TestRunnerResumesPendingOnStart(t *testing.T) {
	e := newEnv(t, FormatJSON, 500, 200)
	first, _, _ := e.p.Send(context.Background(), e.def)
	e.restart()
	e.clk.Advance(2 * time.Hour)
	e.def.Schedule = "0 7 1 1 *" // not due during the test
	r, err := NewRunner(e.p, []*Definition{e.def}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background())
	e.rcv.wait(t, 2)
	waitStatus(t, e, first.ID, "delivered")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	reqs := e.rcv.requests()
	if reqs[1].Header.Get("Idempotency-Key") != first.ID || string(reqs[1].Body) != string(reqs[0].Body) {
		t.Error("resumed delivery differs from the first attempt")
	}
	if nx := r.Next()["morning"]; !nx.After(e.clk.Now()) {
		t.Errorf("next run %v", nx)
	}
}

// panicky is a story source whose first call panics.
type panicky struct {
	stories
	n atomic.Int32
}

func (p *panicky) Stories(ctx context.Context, topics []string, w Window) ([]Story, error) {
	if p.n.Add(1) == 1 {
		panic("boom")
	}
	return p.stories.Stories(ctx, topics, w)
}

// The cron chain recovers a panicking run and keeps the job scheduled
// (SkipIfStillRunning must wrap Recover, not the other way round).
func TestRunnerCronRecoversAndKeepsRunning(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	src := &panicky{}
	src.list = fixtureStories()
	p := NewProcessor(e.st, src, ProcessorOptions{Now: e.clk.Now})
	e.def.Schedule = "@every 1s"
	r, err := NewRunner(p, []*Definition{e.def}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background())
	e.rcv.wait(t, 1)
	r.Close()
	if src.n.Load() < 2 {
		t.Errorf("source called %d times", src.n.Load())
	}
}

func TestRunnerCloseCancelsDelivery(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	release := make(chan struct{})
	defer close(release)
	stall := newStallServer(t, release)
	e.def.URL = stall.URL
	e.def.Schedule = "@every 1s"
	r, err := NewRunner(e.p, []*Definition{e.def}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background())
	stall.wait(t, 0)
	for {
		if all, _ := e.st.Digests(context.Background(), storeQueryAll); len(all) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// Close returned while the receiver never answered: the attempt was
	// cancelled and not counted; the digest stays pending for next time.
	all, _ := e.st.Digests(context.Background(), storeQueryAll)
	if len(all) != 1 || all[0].Status != "pending" || all[0].Attempts != 0 {
		t.Errorf("outbox after close: %+v", all)
	}
}

// waitStatus polls the outbox until digest id has status (or fails the test
// after a generous deadline: a hang, not a timing assertion).
func waitStatus(t *testing.T, e *env, id, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, _ := e.st.Digest(context.Background(), id)
		if d.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("digest %s is %q, want %q", id, d.Status, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunnerSend: a send through the running runner (what the daemon's
// socket API does) delivers once; a second finds nothing new; unknown
// names and a closed runner are errors.
func TestRunnerSend(t *testing.T) {
	e := newEnv(t, FormatJSON, 200)
	e.def.Schedule = "0 7 1 1 *" // not due during the test
	r, err := NewRunner(e.p, []*Definition{e.def}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background())
	ctx := context.Background()
	if _, _, err := r.Send(ctx, "evening"); !errors.Is(err, ErrUnknownDigest) {
		t.Fatalf("unknown digest: err = %v", err)
	}
	rec, ok, err := r.Send(ctx, "morning")
	if err != nil || !ok || rec.Status != store.DigestDelivered || rec.Attempts != 1 {
		t.Fatalf("send: ok=%v err=%v rec=%+v", ok, err, rec)
	}
	if _, ok, err := r.Send(ctx, "morning"); ok || err != nil {
		t.Fatalf("second send with nothing new: ok=%v err=%v", ok, err)
	}
	if n := len(e.rcv.requests()); n != 1 {
		t.Fatalf("receiver saw %d requests, want 1", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Send(ctx, "morning"); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after Close: err = %v, want ErrClosed", err)
	}
}
