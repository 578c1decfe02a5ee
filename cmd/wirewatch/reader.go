package main

import (
	"context"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// reader is what the read commands need. *store.Store implements it when
// the database file can be opened; the daemon's socket client implements it
// while the daemon holds the file.
type reader interface {
	Items(ctx context.Context, q store.Query) ([]match.Item, error)
	Item(ctx context.Context, id string) (match.Item, error)
}

// openReader returns a reader and the function that releases it.
func (a *app) openReader() (reader, func() error, error) {
	st, err := a.openStore(true)
	if err != nil {
		return nil, nil, err
	}
	return st, st.Close, nil
}
