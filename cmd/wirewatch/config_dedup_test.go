package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDedupConfig(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // problems, or nil for a valid config
	}{
		{"defaults", "", nil},
		{"custom", "[dedup]\nmin_containment = 0.7\nstory_window = \"48h\"\n", nil},
		{"containment out of range", "[dedup]\nmin_containment = 2\n", []string{":2: dedup.min_containment 2: want a value in (0, 1]"}},
		{"span shorter than window", "[dedup]\nstory_window = \"1h\"\nstory_max_span = \"30m\"\n",
			[]string{":3: dedup.story_max_span 30m0s: must not be shorter than story_window 1h0m0s"}},
		{"unknown key", "[dedup]\nthreshold = 0.5\n", []string{`:2: unknown key "dedup.threshold"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(tt.src+"\n[[topic]]\nname = \"all\"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path)
			var ce *ConfigError
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				d, s := cfg.Dedup.options()
				if d.MinContainment == 0 || s.Window < time.Hour || s.Threshold == 0 {
					t.Errorf("options = %+v %+v", d, s)
				}
				return
			}
			if !errors.As(err, &ce) || len(ce.Problems) != len(tt.want) {
				t.Fatalf("err = %v, want %d problems", err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasSuffix(ce.Problems[i], w) {
					t.Errorf("problem %q, want suffix %q", ce.Problems[i], w)
				}
			}
		})
	}
}
