package watcher

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// Report counts what happened to one feed document's items.
type Report struct {
	// Read is the number of items in the document.
	Read int `json:"read"`
	// New is the number of items the feed had not delivered before.
	New int `json:"new"`
	// Kept is the number of new items some topic kept and that were stored.
	Kept int `json:"kept"`
	// Dropped is the number of new items no topic kept (remembered, not stored).
	Dropped int `json:"dropped"`
	// Known is the number of items already stored or remembered.
	Known int `json:"known"`
	// Stored are the items written, with their IDs.
	Stored []match.Item `json:"-"`
}

// Pipeline takes parsed documents through the per-item stages:
//
//  1. identify: items the feed already delivered (stored or remembered as
//     dropped) are skipped before any scoring (store.Known);
//  2. score: every topic scores each new item; an item is kept if any topic
//     keeps it, and records which topics did, its best score and the hits;
//  3. commit: kept items are stored and dropped ones remembered, in one
//     write transaction per document (store.Commit), which also links copies
//     and stories.
//
// A Pipeline is safe for concurrent use by many pollers; SetTopics swaps the
// topic set atomically (config reload).
type Pipeline struct {
	st     *store.Store
	log    *slog.Logger
	topics topicSet
	// observer sees every committed document's report (metrics).
	observer ingestObserver
}

// NewPipeline returns a pipeline storing into st and scoring with topics.
func NewPipeline(st *store.Store, topics []*match.Topic, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{st: st, log: log}
	p.topics.set(topics)
	return p
}

// SetTopics replaces the topics used for items scored from now on.
func (p *Pipeline) SetTopics(topics []*match.Topic) { p.topics.set(topics) }

// IngestDocument runs one parsed document of feed through the pipeline.
func (p *Pipeline) IngestDocument(ctx context.Context, feed string, doc *Document, fetched time.Time) (Report, error) {
	rep := Report{Read: len(doc.Items)}
	items := make([]match.Item, len(doc.Items))
	for i, it := range doc.Items {
		it.Feed, it.Fetched = feed, fetched.UTC()
		items[i] = it
	}
	known, err := p.st.Known(ctx, items)
	if err != nil {
		return rep, fmt.Errorf("feed %s: %w", feed, err)
	}
	batch := store.Batch{Seen: fetched}
	topics := p.topics.get()
	for i := range items {
		if known[i] {
			rep.Known++
			continue
		}
		if Score(topics, &items[i]) {
			batch.Kept = append(batch.Kept, items[i])
		} else {
			batch.Dropped = append(batch.Dropped, items[i])
		}
	}
	res, err := p.st.Commit(ctx, batch)
	if err != nil {
		return rep, fmt.Errorf("feed %s: %w", feed, err)
	}
	rep.Kept, rep.Stored = len(res.Stored), res.Stored
	rep.Dropped = res.Remembered
	rep.Known += res.Known + (len(batch.Dropped) - res.Remembered)
	rep.New = rep.Kept + rep.Dropped
	p.observer.call(feed, rep)
	return rep, nil
}

// Score applies every topic to it and reports whether any kept it. It sets
// it.Topics to the names of the topics that kept it, it.Score to the best
// of their scores and it.Matched to that topic's hits.
func Score(topics []*match.Topic, it *match.Item) bool {
	it.Topics, it.Score, it.Matched = nil, 0, nil
	best := -1.0
	for _, t := range topics {
		v := t.Score(it)
		if !v.Keep {
			continue
		}
		it.Topics = append(it.Topics, t.Name())
		if v.Score > best {
			best, it.Score, it.Matched = v.Score, v.Score, v.Hits
		}
	}
	return len(it.Topics) > 0
}
