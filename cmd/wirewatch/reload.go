package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	sdnotify "github.com/coreos/go-systemd/v22/daemon"
)

// reloadFunc applies a new, valid config to the running daemon. `run`
// builds it from its parts: the pipeline's topics, the poller's feeds, the
// digests. It should prepare everything that can fail before it changes
// anything, so an error leaves the old config in force.
type reloadFunc func(ctx context.Context, cfg *Config) error

// HandleReloads re-reads the config on every SIGHUP until ctx ends or
// the service closes, and applies it with apply. It takes SIGHUP over
// before it returns (so a SIGHUP right after is not lost) and handles it in
// a goroutine that Close waits for. systemd sees RELOADING=1, then READY=1
// when the reload is done, whether it was applied or rejected. An invalid
// config is rejected with each problem logged; the running config stays.
//
// Keys that only take effect at start ([store], [daemon], [http], [log])
// are reported in the log when they change; the rest applies at once.
func (s *service) HandleReloads(ctx context.Context, apply reloadFunc) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	s.wg.Go(func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.bg.Done():
				return
			case <-hup:
				s.reload(ctx, apply)
			}
		}
	})
}

// IgnoreHangups makes SIGHUP harmless (by default it kills the process)
// until HandleReloads takes it over: call it first thing in `run`.
func IgnoreHangups() { signal.Ignore(syscall.SIGHUP) }

// reload does one reload.
func (s *service) reload(ctx context.Context, apply reloadFunc) {
	s.notify("RELOADING=1\n" + sdnotify.SdNotifyMonotonicUsec())
	old := s.cfg.Load()
	s.log.Info("reloading config", "file", old.File())
	cfg, err := LoadConfig(old.File())
	if err == nil {
		err = apply(ctx, cfg)
	}
	if err != nil {
		summary := firstLine(err.Error())
		var ce *ConfigError
		if errors.As(err, &ce) && len(ce.Problems) > 0 {
			for _, p := range ce.Problems {
				s.log.Error("config problem", "problem", p)
			}
			summary = ce.Problems[0]
			err = errors.New("invalid config")
		}
		s.log.Error("reload rejected: keeping the running config", "err", err)
		s.mu.Lock()
		s.reloadErr = summary
		s.mu.Unlock()
		s.notify("READY=1\nSTATUS=" + s.statusLine())
		return
	}
	for _, key := range restartOnlyChanges(old, cfg) {
		s.log.Warn("config change needs a restart to take effect", "key", key)
	}
	s.cfg.Store(cfg)
	s.setFeeds(cfg)
	s.mu.Lock()
	s.reloadErr = ""
	s.mu.Unlock()
	s.log.Info("config reloaded", "feeds", len(cfg.Feeds), "topics", len(cfg.Topics))
	s.notify("READY=1\nSTATUS=" + s.statusLine())
}

// restartOnlyChanges names the start-time keys that differ.
func restartOnlyChanges(old, cfg *Config) []string {
	var keys []string
	if old.StorePath() != cfg.StorePath() {
		keys = append(keys, "store.path")
	}
	if old.Daemon != cfg.Daemon {
		keys = append(keys, "daemon")
	}
	if old.HTTP != cfg.HTTP {
		keys = append(keys, "http.listen")
	}
	if old.Log != cfg.Log {
		keys = append(keys, "log")
	}
	return keys
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
