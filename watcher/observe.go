package watcher

import "sync/atomic"

// OnIngest sets f to be called with the report of every document the
// pipeline commits, whoever sent it (the poller, `wirewatch ingest`
// through the daemon's socket). The daemon feeds its metrics and status
// line from it. f runs on the ingesting goroutine and must not block; nil
// removes it. Safe to call at any time.
func (p *Pipeline) OnIngest(f func(feed string, rep Report)) {
	if f == nil {
		p.observer.f.Store(nil)
		return
	}
	p.observer.f.Store(&f)
}

// ingestObserver holds the OnIngest function.
type ingestObserver struct {
	f atomic.Pointer[func(feed string, rep Report)]
}

func (o *ingestObserver) call(feed string, rep Report) {
	if f := o.f.Load(); f != nil {
		(*f)(feed, rep)
	}
}
