package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/wirewatch/wirewatch/match"
)

// Config is config.toml decoded. It lives only in cmd: packages receive
// plain constructor arguments built from it.
type Config struct {
	// Include lists further TOML files (relative to this file) whose
	// [[topic]] and [[feed]] entries are appended to this file's.
	Include []string          `toml:"include"`
	Store   StoreConfig       `toml:"store"`
	Daemon  DaemonConfig      `toml:"daemon"`
	HTTP    HTTPConfig        `toml:"http"`
	Log     LogConfig         `toml:"log"`
	Dedup   DedupConfig       `toml:"dedup"`
	Feeds   []FeedConfig      `toml:"feed"`
	Topics  []match.TopicSpec `toml:"topic"`
	Digests []DigestConfig    `toml:"digest"`

	// Poll is the [poll] table: how feeds are fetched and scheduled.
	Poll PollConfig `toml:"poll"`
	// OPML names an OPML file (relative to this file) whose feeds are
	// added to the [[feed]] entries.
	OPML string `toml:"opml"`

	// file is the config file's path; dir resolves relative paths.
	file string
}

// StoreConfig is the [store] table.
type StoreConfig struct {
	Path string `toml:"path"`
}

// LogConfig is the [log] table.
type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// FeedConfig is one [[feed]] entry.
type FeedConfig struct {
	Name string `toml:"name"`
	URL  string `toml:"url"`

	// Interval overrides [poll] interval; Schedule (a cron spec) replaces it.
	Interval Duration `toml:"interval"`
	Schedule string   `toml:"schedule"`
}

// includeFile is the shape of an included file.
type includeFile struct {
	Feeds  []FeedConfig      `toml:"feed"`
	Topics []match.TopicSpec `toml:"topic"`
}

// Duration is a TOML string like "15m" or "6h".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. \"90s\", \"15m\", \"6h\")", b)
	}
	d.Duration = v
	return nil
}

// MarshalText prints the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ConfigError lists every problem found in a config, each naming file, line
// and key where they are known.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "invalid config:\n  " + strings.Join(e.Problems, "\n  ")
}

func defaultConfig() Config {
	return Config{
		Store: StoreConfig{Path: "wirewatch.db"},
		Log:   LogConfig{Level: "info", Format: "text"},
		Poll:  defaultPollConfig(),
		Dedup: defaultDedupConfig(),
	}
}

// LoadConfig reads, strictly decodes and validates the config at path.
func LoadConfig(path string) (*Config, error) {
	cfg := defaultConfig()
	cfg.file = path
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := decodeStrict(path, src, &cfg); err != nil {
		return nil, err
	}
	var problems []string
	for _, inc := range cfg.Include {
		ipath := cfg.resolve(inc)
		isrc, err := os.ReadFile(ipath)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: include %q: %v", path, inc, err))
			continue
		}
		var f includeFile
		if err := decodeStrict(ipath, isrc, &f); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				problems = append(problems, ce.Problems...)
				continue
			}
			return nil, err
		}
		cfg.Feeds = append(cfg.Feeds, f.Feeds...)
		cfg.Topics = append(cfg.Topics, f.Topics...)
	}
	problems = append(problems, cfg.loadOPML()...)
	problems = append(problems, cfg.validate(src)...)
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return &cfg, nil
}

func decodeStrict(path string, src []byte, v any) error {
	dec := toml.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var sm *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &sm):
		var ps []string
		for _, e := range sm.Errors {
			line, _ := e.Position()
			ps = append(ps, fmt.Sprintf("%s:%d: unknown key %q", path, line, strings.Join(e.Key(), ".")))
		}
		return &ConfigError{Problems: ps}
	case errors.As(err, &de):
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := de.Key(); len(k) > 0 {
			msg = fmt.Sprintf("key %q: %s", strings.Join(k, "."), msg)
		}
		return &ConfigError{Problems: []string{fmt.Sprintf("%s:%d:%d: %s", path, line, col, msg)}}
	default:
		return &ConfigError{Problems: []string{fmt.Sprintf("%s: %v", path, err)}}
	}
}

// resolve makes p relative to the config file's folder.
func (c *Config) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.file), p)
}

// StorePath is the database path, resolved against the config's folder.
func (c *Config) StorePath() string { return c.resolve(c.Store.Path) }

// File is the path the config was read from.
func (c *Config) File() string { return c.file }

func (c *Config) validate(src []byte) []string {
	var ps []string
	at := func(table string, i int, key string) string {
		if line := keyLine(src, table, i, key); line > 0 {
			return fmt.Sprintf("%s:%d: ", c.file, line)
		}
		return c.file + ": "
	}
	if strings.TrimSpace(c.Store.Path) == "" {
		ps = append(ps, at("store", -1, "path")+"store.path: must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		ps = append(ps, at("log", -1, "level")+fmt.Sprintf("log.level: %q is not one of debug, info, warn, error", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		ps = append(ps, at("log", -1, "format")+fmt.Sprintf("log.format: %q is not one of text, json", c.Log.Format))
	}
	ps = append(ps, c.Dedup.validate(func(key string) string { return at("dedup", -1, key) })...)
	names := map[string]bool{}
	for i, f := range c.Feeds {
		where := fmt.Sprintf("feed[%d]", i)
		if f.Name == "" {
			ps = append(ps, at("feed", i, "name")+where+".name: must not be empty")
		} else if names[f.Name] {
			ps = append(ps, at("feed", i, "name")+fmt.Sprintf("%s.name: %q is used by another feed", where, f.Name))
		}
		names[f.Name] = true
		if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps = append(ps, at("feed", i, "url")+fmt.Sprintf("%s.url: %q is not an http(s) URL", where, f.URL))
		}
	}
	ps = append(ps, c.validatePoll(src)...)
	if len(c.Topics) == 0 {
		ps = append(ps, c.file+": no [[topic]]: add one (a topic with no rules keeps every item)")
	}
	tnames := map[string]bool{}
	for i, t := range c.Topics {
		if t.Name != "" && tnames[t.Name] {
			ps = append(ps, at("topic", i, "name")+fmt.Sprintf("topic[%d].name: %q is used by another topic", i, t.Name))
		}
		tnames[t.Name] = true
		if _, err := match.CompileTopic(t); err != nil {
			ps = append(ps, at("topic", i, "name")+fmt.Sprintf("topic[%d] %q: %v", i, t.Name, err))
		}
	}
	ps = append(ps, c.validateDigests(src)...)
	ps = append(ps, c.validateService(at)...)
	return ps
}

// CompileTopics compiles every configured topic (validate already checked
// that they compile).
func (c *Config) CompileTopics() ([]*match.Topic, error) {
	out := make([]*match.Topic, 0, len(c.Topics))
	for _, spec := range c.Topics {
		t, err := match.CompileTopic(spec)
		if err != nil {
			return nil, fmt.Errorf("topic %q: %w", spec.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// keyLine finds the line of key inside the index-th [[table]] (or the
// [table] when index < 0) of a TOML source written in the usual one key per
// line style. It returns 0 when it cannot tell, e.g. for included files.
func keyLine(src []byte, table string, index int, key string) int {
	header := "[[" + table + "]]"
	if index < 0 {
		header = "[" + table + "]"
	}
	n, inside, headerLine := -1, false, 0
	for i, raw := range strings.Split(string(src), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "[") {
			if strings.HasPrefix(line, header) {
				n++
				inside = index < 0 || n == index
				if inside {
					headerLine = i + 1
				}
			} else if !strings.HasPrefix(line, "[["+table+".") && !strings.HasPrefix(line, "["+table+".") {
				inside = false
			}
			continue
		}
		if inside {
			if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == key {
				return i + 1
			}
		}
	}
	return headerLine
}
