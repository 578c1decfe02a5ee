package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// DigestConfig is one [[digest]] entry. Secrets are never inline: token and
// signing secret come from a file (token_file, secret_file; relative to the
// config's folder, $VARS expanded so $CREDENTIALS_DIRECTORY/name works under
// systemd's LoadCredential=) or an environment variable (token_env,
// secret_env).
type DigestConfig struct {
	Name       string            `toml:"name"`
	Topics     []string          `toml:"topics"`
	Schedule   string            `toml:"schedule"`
	To         []string          `toml:"to"`
	From       string            `toml:"from"`
	Subject    string            `toml:"subject"`
	URL        string            `toml:"url"`
	Format     string            `toml:"format"`
	Headers    map[string]string `toml:"headers"`
	SendEmpty  bool              `toml:"send_empty"`
	MaxStories int               `toml:"max_stories"`
	TokenFile  string            `toml:"token_file"`
	TokenEnv   string            `toml:"token_env"`
	SecretFile string            `toml:"secret_file"`
	SecretEnv  string            `toml:"secret_env"`
	RetryFor   Duration          `toml:"retry_for"`
}

// definition converts the entry to a digest.Definition. With load, the
// token and secret are read from their file or variable; without, a
// placeholder stands for a configured one, so `check` and read-only commands
// validate a config whose secrets only the daemon can read.
func (c *Config) definition(dc DigestConfig, load bool) (*digest.Definition, error) {
	d := &digest.Definition{
		Name: dc.Name, Topics: dc.Topics, Schedule: dc.Schedule, To: dc.To, From: dc.From,
		Subject: dc.Subject, URL: dc.URL, Format: dc.Format, Headers: dc.Headers,
		SendEmpty: dc.SendEmpty, MaxStories: dc.MaxStories, RetryFor: dc.RetryFor.Duration,
	}
	var err error
	if d.Token, err = c.secret("token", dc.TokenFile, dc.TokenEnv, load); err != nil {
		return nil, err
	}
	if d.Secret, err = c.secret("secret", dc.SecretFile, dc.SecretEnv, load); err != nil {
		return nil, err
	}
	return d, d.Validate()
}

func (c *Config) secret(what, file, env string, load bool) (digest.Secret, error) {
	if file != "" && env != "" {
		return digest.Secret{}, fmt.Errorf("%s_file or %s_env: set one, not both", what, what)
	}
	if !load {
		if file != "" || env != "" {
			return digest.NewSecret("placeholder"), nil
		}
		return digest.Secret{}, nil
	}
	if file != "" {
		file = c.resolve(os.ExpandEnv(file))
	}
	return digest.LoadSecret(what, file, env)
}

// validateDigests checks every [[digest]] entry; problems name file, line
// and key like the rest of validate.
func (c *Config) validateDigests(src []byte) []string {
	var ps []string
	topics := map[string]bool{}
	for _, t := range c.Topics {
		topics[t.Name] = true
	}
	names := map[string]bool{}
	for i, dc := range c.Digests {
		at := func(keys string) string {
			line := 0
			for key := range strings.SplitSeq(keys, " or ") {
				if l := keyLine(src, "digest", i, key); l > 0 && (line == 0 || l > line) {
					line = l // the key's own line beats the [[digest]] header's
				}
			}
			if line > 0 {
				return fmt.Sprintf("%s:%d: digest[%d].", c.file, line, i)
			}
			return fmt.Sprintf("%s: digest[%d].", c.file, i)
		}
		if dc.Name != "" && names[dc.Name] {
			ps = append(ps, at("name")+fmt.Sprintf("name: %q is used by another digest", dc.Name))
		}
		names[dc.Name] = true
		for _, t := range dc.Topics {
			if !topics[t] {
				ps = append(ps, at("topics")+fmt.Sprintf("topics: %q is not a configured [[topic]]", t))
			}
		}
		if _, err := c.definition(dc, false); err != nil {
			for msg := range strings.SplitSeq(err.Error(), "\n") {
				key, _, _ := strings.Cut(msg, ":")
				ps = append(ps, at(key)+msg)
			}
		}
	}
	return ps
}

// DigestDefinitions returns every configured digest with its secrets loaded.
func (c *Config) DigestDefinitions() ([]*digest.Definition, error) {
	out := make([]*digest.Definition, 0, len(c.Digests))
	for _, dc := range c.Digests {
		d, err := c.definition(dc, true)
		if err != nil {
			return nil, fmt.Errorf("digest %q: %w", dc.Name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// digestDefinition returns the named digest with its secrets loaded.
func (c *Config) digestDefinition(name string, load bool) (*digest.Definition, error) {
	var known []string
	for _, dc := range c.Digests {
		if dc.Name == name {
			return c.definition(dc, load)
		}
		known = append(known, dc.Name)
	}
	if len(known) == 0 {
		return nil, usageError{fmt.Errorf("no digest %q: the config has no [[digest]] entries", name)}
	}
	return nil, usageError{fmt.Errorf("no digest %q: configured digests are %s", name, strings.Join(known, ", "))}
}

// startDigests starts the daemon's digest runner over the open store: each
// [[digest]] on its schedule, and retries of pending digests (including
// those a previous process left). The daemon calls it once the store is
// open and closes the runner before the store. observe, when not nil,
// receives every delivery attempt's digest name and result (metrics).
func startDigests(ctx context.Context, st *store.Store, cfg *Config, log *slog.Logger, observe func(name, result string)) (*digest.Runner, error) {
	defs, err := cfg.DigestDefinitions()
	if err != nil {
		return nil, err
	}
	opts := digest.ProcessorOptions{Logger: log.With("component", "digest")}
	if observe != nil {
		opts.Observe = func(name string, r digest.AttemptResult) { observe(name, string(r)) }
	}
	p := digest.NewProcessor(st, itemStories{st}, opts)
	r, err := digest.NewRunner(p, defs, log)
	if err != nil {
		return nil, err
	}
	r.Start(ctx)
	return r, nil
}

// storyLookback is how far before a window's start items are read to find
// the ones fetched inside it: the store indexes items by published time,
// the window is about fetch time ("new since the last digest"), and an item
// is usually published shortly before it is fetched.
const storyLookback = 7 * 24 * time.Hour

// itemReader is the store method itemStories needs.
type itemReader interface {
	Items(ctx context.Context, q store.Query) ([]match.Item, error)
}

// itemStories builds digest stories from stored items: a story is in a
// window when any of its items (canonical or copy) was fetched in it.
type itemStories struct{ r itemReader }

// Stories implements digest.StorySource.
func (s itemStories) Stories(ctx context.Context, topics []string, w digest.Window) ([]digest.Story, error) {
	items, err := s.r.Items(ctx, store.Query{Since: w.Start.Add(-storyLookback), Until: w.End.Add(2 * time.Hour)})
	if err != nil {
		return nil, err
	}
	groups := map[string][]match.Item{}
	fresh := map[string]bool{}
	for _, it := range items {
		if len(topics) > 0 && !slices.ContainsFunc(topics, func(t string) bool { return slices.Contains(it.Topics, t) }) {
			continue
		}
		key := cmp.Or(it.Story, it.DuplicateOf, it.ID)
		groups[key] = append(groups[key], it)
		if !it.Fetched.Before(w.Start) && it.Fetched.Before(w.End) {
			fresh[key] = true
		}
	}
	var out []digest.Story
	for key, group := range groups {
		if fresh[key] {
			out = append(out, storyOf(key, group))
		}
	}
	return out, nil
}

// storyOf summarises one story's items: the canonical (the story's first
// item, else the earliest) gives headline, link, snippet and reasons; the
// outlets are every feed that carried an item or a copy.
func storyOf(key string, group []match.Item) digest.Story {
	slices.SortFunc(group, func(a, b match.Item) int {
		if c := a.SortTime().Compare(b.SortTime()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	canon := group[0]
	for _, it := range group {
		if it.ID == key {
			canon = it
		}
	}
	s := digest.Story{ID: key, Headline: canon.Title, Link: canon.Link, Snippet: canon.Summary, Time: group[0].SortTime()}
	// A copy is stored as an item and also listed in its canonical's
	// sources: count reports by id so it counts once.
	var ids []string
	for _, it := range group {
		ids = appendNew(ids, it.ID)
		s.Outlets = appendNew(s.Outlets, it.Feed)
		for _, src := range it.Sources {
			ids = appendNew(ids, cmp.Or(src.ID, src.Feed+" "+src.Link))
			s.Outlets = appendNew(s.Outlets, src.Feed)
		}
	}
	s.Reports = len(ids)
	hits := slices.Clone(canon.Matched)
	slices.SortStableFunc(hits, func(a, b match.Hit) int { return cmp.Compare(b.Weight, a.Weight) })
	for _, h := range hits[:min(3, len(hits))] {
		s.Why = append(s.Why, h.Rule)
	}
	return s
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
