package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wirewatch/wirewatch/watcher"
)

// DaemonConfig is the [daemon] table: how `wirewatch run` talks to the CLI
// and to systemd.
type DaemonConfig struct {
	// Socket is the Unix socket of the read/write API. Empty means
	// $RUNTIME_DIRECTORY/wirewatch.sock when systemd set RUNTIME_DIRECTORY,
	// else the database path plus ".sock". Relative paths resolve against
	// the config's folder.
	Socket string `toml:"socket"`
	// SocketGroup, when set, makes the socket group-owned by this group
	// with mode 0660 instead of 0600, so members can use the CLI. The
	// daemon's user must belong to the group.
	SocketGroup string `toml:"socket_group"`
	// Stall is how long the poll loop may go without a pass before the
	// daemon counts it as wedged: watchdog pings stop (systemd restarts the
	// service) and /healthz answers 503. Keep it well above the loop's
	// heartbeat (5s; the minimum is 10s) and at most WatchdogSec.
	Stall Duration `toml:"stall"`
}

// HTTPConfig is the [http] table: the optional metrics and health listener.
type HTTPConfig struct {
	// Listen is a TCP address such as "127.0.0.1:9465"; empty turns the
	// listener off.
	Listen string `toml:"listen"`
}

// defaultStall is the [daemon] stall default: twelve missed heartbeats of
// the poller's loop.
const defaultStall = time.Minute

// minStall is the shortest [daemon] stall: two of the poll loop's
// heartbeats, so a healthy idle loop is never taken for a wedged one.
const minStall = 2 * watcher.DefaultHeartbeat

// maxSocketPath is the longest path a Unix socket address holds on Linux
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// SocketPath is the API socket for the database at dbPath: [daemon] socket,
// else $RUNTIME_DIRECTORY/wirewatch.sock, else dbPath + ".sock".
func (c *Config) SocketPath(dbPath string) string {
	if c != nil && c.Daemon.Socket != "" {
		return c.resolve(c.Daemon.Socket)
	}
	return defaultSocketPath(dbPath)
}

func defaultSocketPath(dbPath string) string {
	if dir, _, _ := strings.Cut(os.Getenv("RUNTIME_DIRECTORY"), ":"); dir != "" {
		return filepath.Join(dir, "wirewatch.sock")
	}
	return dbPath + ".sock"
}

// StallAfter is [daemon] stall, or its default.
func (c *Config) StallAfter() time.Duration {
	if c.Daemon.Stall.Duration > 0 {
		return c.Daemon.Stall.Duration
	}
	return defaultStall
}

// validateService checks the [daemon] and [http] tables.
func (c *Config) validateService(at func(table string, i int, key string) string) []string {
	var ps []string
	if s := c.Daemon.Socket; s != "" && len(c.resolve(s)) > maxSocketPath {
		ps = append(ps, at("daemon", -1, "socket")+fmt.Sprintf("daemon.socket: %q is longer than %d bytes, the limit for a Unix socket path", s, maxSocketPath))
	}
	if c.Daemon.Stall.Duration < 0 || (c.Daemon.Stall.Duration > 0 && c.Daemon.Stall.Duration < minStall) {
		ps = append(ps, at("daemon", -1, "stall")+fmt.Sprintf("daemon.stall: %s is too short: use at least %s (twice the poll loop's heartbeat)", c.Daemon.Stall.Duration, minStall))
	}
	if l := c.HTTP.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil || port == "" {
			ps = append(ps, at("http", -1, "listen")+fmt.Sprintf("http.listen: %q is not host:port (e.g. \"127.0.0.1:9465\")", l))
		}
	}
	return ps
}
