package main

import (
	"errors"

	sdnotify "github.com/coreos/go-systemd/v22/daemon"
)

// Reloads are done by the daemon (daemon.Reload on SIGHUP: re-read,
// validate, apply feeds and topics, or reject and keep the old config).
// The service brackets them for systemd: RELOADING=1 when one starts,
// READY=1 when it is done either way, with a STATUS= that names a
// rejected config's first problem until a later reload succeeds.

// reloading is the daemon's Reloading hook. The daemon holds its reload
// lock while it calls reloading and reloaded, so d.cfg is stable here.
func (s *service) reloading() {
	s.notify("RELOADING=1\n" + sdnotify.SdNotifyMonotonicUsec())
	s.mu.Lock()
	s.reloadFrom = s.d.cfg
	s.mu.Unlock()
}

// reloaded is the daemon's Reloaded hook: err is nil when the new config
// took effect, else why it was rejected (the daemon logged it).
func (s *service) reloaded(err error) {
	s.mu.Lock()
	old := s.reloadFrom
	if err != nil {
		s.reloadErr = reloadSummary(err)
	} else {
		s.reloadErr = ""
	}
	s.mu.Unlock()
	if err == nil && old != nil {
		for _, key := range restartOnlyChanges(old, s.d.cfg) {
			s.log.Warn("config change needs a restart to take effect", "key", key)
		}
	}
	s.notify("READY=1\nSTATUS=" + s.statusLine())
}

// reloadSummary is the one line STATUS= shows for a rejected reload: the
// first problem of an invalid config, else the error's first line.
func reloadSummary(err error) string {
	var ce *ConfigError
	if errors.As(err, &ce) && len(ce.Problems) > 0 {
		return ce.Problems[0]
	}
	msg := err.Error()
	for i := range len(msg) {
		if msg[i] == '\n' {
			return msg[:i]
		}
	}
	return msg
}

// restartOnlyChanges names the service's start-time tables that differ
// (the daemon reports [store] and [poll] itself).
func restartOnlyChanges(old, cfg *Config) []string {
	var keys []string
	if old.Daemon != cfg.Daemon {
		keys = append(keys, "daemon")
	}
	if old.HTTP != cfg.HTTP {
		keys = append(keys, "http")
	}
	if old.Log != cfg.Log {
		keys = append(keys, "log")
	}
	return keys
}
