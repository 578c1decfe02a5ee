package watcher

import (
	"sync/atomic"

	"github.com/wirewatch/wirewatch/match"
)

// topicSet holds the current topics; readers never block a reload.
type topicSet struct {
	v atomic.Pointer[[]*match.Topic]
}

func (s *topicSet) set(t []*match.Topic) {
	c := append([]*match.Topic(nil), t...)
	s.v.Store(&c)
}

func (s *topicSet) get() []*match.Topic {
	if p := s.v.Load(); p != nil {
		return *p
	}
	return nil
}
