package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/wirewatch/wirewatch/store"
	"github.com/wirewatch/wirewatch/watcher"
)

// scheduler is the poll loop the daemon runs until its context ends. The
// poller (watcher.Poller) implements it; tests use a double.
type scheduler interface {
	Run(ctx context.Context) error
}

// daemonParts is what serveDaemon has opened when it asks for the
// scheduler: the loaded config, the store, the pipeline and the service
// whose Ready, Progress, ObservePoll and ObserveIngest the scheduler calls.
type daemonParts struct {
	cfg  *Config
	st   *store.Store
	pipe *watcher.Pipeline
	svc  *service
}

// newScheduler builds the poll loop from the daemon's parts, and the
// function that gives it a reloaded config's feeds (and digests).
type newScheduler func(ctx context.Context, d daemonParts) (scheduler, reloadFunc, error)

// serveDaemon is the body of `wirewatch run`: it opens the store
// read-write, starts the service (socket API, metrics, sd_notify), builds
// the scheduler, handles SIGHUP reloads and runs the scheduler until ctx
// ends. Then it stops the service and closes the store, in that order. A
// shutdown by signal returns nil (exit status 0).
func (a *app) serveDaemon(ctx context.Context, build newScheduler) (err error) {
	IgnoreHangups()
	cfg, err := a.config()
	if err != nil {
		return err
	}
	topics, err := cfg.CompileTopics()
	if err != nil {
		return err
	}
	st, err := a.openStore(false)
	if err != nil {
		return a.explainLocked(err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	pipe := watcher.NewPipeline(st, topics, a.logger())
	svc, err := a.startService(ctx, cfg, st, pipe)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := svc.Close(); cerr != nil {
			a.logger().Warn("stopping the socket API", "err", cerr)
		}
	}()
	sched, applyFeeds, err := build(ctx, daemonParts{cfg: cfg, st: st, pipe: pipe, svc: svc})
	if err != nil {
		return err
	}
	svc.HandleReloads(ctx, func(ctx context.Context, cfg *Config) error {
		topics, err := cfg.CompileTopics()
		if err != nil {
			return err
		}
		if applyFeeds != nil {
			if err := applyFeeds(ctx, cfg); err != nil {
				return err
			}
		}
		pipe.SetTopics(topics)
		return nil
	})
	err = sched.Run(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil // stopped by a signal: a clean exit
	}
	return err
}
