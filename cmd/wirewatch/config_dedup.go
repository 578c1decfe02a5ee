package main

import (
	"fmt"

	"github.com/wirewatch/wirewatch/match"
)

// DedupConfig is the [dedup] table: the thresholds that link wire copies
// and group stories. The defaults are match.DefaultDedupConfig and
// match.DefaultStoryConfig; docs/README-dedup.md explains the measurements
// behind them.
type DedupConfig struct {
	MinContainment      float64  `toml:"min_containment"`
	MinShortJaccard     float64  `toml:"min_short_jaccard"`
	StoryWindow         Duration `toml:"story_window"`
	StoryMaxSpan        Duration `toml:"story_max_span"`
	StoryThreshold      float64  `toml:"story_threshold"`
	StoryMinSharedNames int      `toml:"story_min_shared_names"`
}

func defaultDedupConfig() DedupConfig {
	d, s := match.DefaultDedupConfig(), match.DefaultStoryConfig()
	return DedupConfig{
		MinContainment: d.MinContainment, MinShortJaccard: d.MinShortJaccard,
		StoryWindow: Duration{s.Window}, StoryMaxSpan: Duration{s.MaxSpan},
		StoryThreshold: s.Threshold, StoryMinSharedNames: s.MinSharedNames,
	}
}

// options returns the thresholds as the store takes them.
func (c DedupConfig) options() (match.DedupConfig, match.StoryConfig) {
	return match.DedupConfig{MinContainment: c.MinContainment, MinShortJaccard: c.MinShortJaccard},
		match.StoryConfig{Window: c.StoryWindow.Duration, MaxSpan: c.StoryMaxSpan.Duration,
			Threshold: c.StoryThreshold, MinSharedNames: c.StoryMinSharedNames}
}

// validate reports bad thresholds, each prefixed by where(key).
func (c DedupConfig) validate(where func(key string) string) []string {
	var ps []string
	d, s := c.options()
	if err := d.Validate(); err != nil {
		ps = append(ps, where("min_containment")+"dedup."+err.Error())
	}
	if err := s.Validate(); err != nil {
		ps = append(ps, where("story_threshold")+"dedup.story "+err.Error())
	}
	if c.StoryWindow.Duration > 0 && c.StoryMaxSpan.Duration > 0 && c.StoryMaxSpan.Duration < c.StoryWindow.Duration {
		ps = append(ps, where("story_max_span")+fmt.Sprintf("dedup.story_max_span %v: must not be shorter than story_window %v",
			c.StoryMaxSpan.Duration, c.StoryWindow.Duration))
	}
	return ps
}
