package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/wirewatch/wirewatch/store"
)

// defaultConfigPaths are tried in order when --config is not given.
var defaultConfigPaths = []string{"config.toml", "/etc/wirewatch/config.toml"}

// config loads the config once: --config, else the first default path that
// exists.
func (a *app) config() (*Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configPath
	if path == "" {
		for _, p := range defaultConfigPaths {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			return nil, usageError{fmt.Errorf("no config file: none of %v exists; pass --config FILE", defaultConfigPaths)}
		}
	}
	cfg, err := LoadConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{fmt.Errorf("config file %s does not exist", path)}
	}
	if err != nil {
		return nil, err
	}
	if a.logLevel != "" {
		cfg.Log.Level = a.logLevel
	}
	if a.logFormat != "" {
		cfg.Log.Format = a.logFormat
	}
	a.cfg = cfg
	return cfg, nil
}

// logger builds the process logger from the config's [log] table and the
// flags: slog to stderr (journald adds timestamps of its own under systemd,
// but a terminal user wants them too, so they stay).
func (a *app) logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	level, format := a.logLevel, a.logFormat
	if a.cfg != nil {
		level, format = a.cfg.Log.Level, a.cfg.Log.Format
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return a.log
}

// storePath is --db, else the config's [store] path.
func (a *app) storePath() (string, error) {
	if a.dbPath != "" {
		return a.dbPath, nil
	}
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	return cfg.StorePath(), nil
}

// lockWait bounds how long a command waits for the database lock before
// reporting that another process holds it.
const lockWait = 2 * time.Second

// openStore opens the database for a one-shot command.
func (a *app) openStore(readOnly bool) (*store.Store, error) {
	path, err := a.storePath()
	if err != nil {
		return nil, err
	}
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist yet: run 'wirewatch run' or 'wirewatch ingest' first", path)
		}
	}
	opts := store.Options{ReadOnly: readOnly, Timeout: lockWait, Logger: a.logger()}
	if a.cfg != nil {
		opts.Dedup, opts.Stories = a.cfg.Dedup.options()
	}
	return store.Open(path, opts)
}
