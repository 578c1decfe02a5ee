package watcher

import (
	"context"
	"time"
)

// IngestHandler is the Handler of `wirewatch run` and `wirewatch poll`:
// ParseFeed with the HTTP charset, then the pipeline. A document that does
// not parse is a permanent failure; a store failure is transient (it is not
// the feed's fault).
func IngestHandler(p *Pipeline) Handler {
	return func(ctx context.Context, feed string, resp *Response, fetched time.Time) (Outcome, error) {
		doc, err := ParseFeed(resp.Body, resp.Charset)
		if err != nil {
			return Outcome{}, Permanent(err)
		}
		out := Outcome{Items: len(doc.Items), TTL: doc.TTL, SkipHours: doc.SkipHours, SkipDays: doc.SkipDays}
		rep, err := p.IngestDocument(ctx, feed, doc, fetched)
		out.New, out.Kept = rep.New, rep.Kept
		if err != nil {
			return out, Transient(err)
		}
		return out, nil
	}
}
