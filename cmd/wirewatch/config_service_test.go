package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServiceConfig(t *testing.T) {
	tests := []struct {
		name, toml string
		want       string // a problem the config must report; "" = valid
	}{
		{"defaults", "", ""},
		{"all set", "[daemon]\nsocket = \"run/ww.sock\"\nsocket_group = \"adm\"\nstall = \"2m\"\n[http]\nlisten = \"127.0.0.1:9465\"\n", ""},
		{"stall too short", "[daemon]\nstall = \"100ms\"\n", `CFG:2: daemon.stall: 100ms is too short`},
		{"listen without port", "[http]\nlisten = \"localhost\"\n", `CFG:2: http.listen: "localhost" is not host:port`},
		{"socket too long", "[daemon]\nsocket = \"/" + strings.Repeat("s", 120) + "\"\n", `CFG:2: daemon.socket: "/sss`},
		{"unknown key", "[daemon]\nsocket_mode = \"0666\"\n", `CFG:2: unknown key "daemon.socket_mode"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			src := tt.toml + "\n[[topic]]\nname = \"all\"\n"
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want := strings.ReplaceAll(tt.want, "CFG", path)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to contain %q (cfg %+v)", err, want, cfg)
			}
		})
	}
}

func TestSocketPathDefaults(t *testing.T) {
	t.Setenv("RUNTIME_DIRECTORY", "")
	var none *Config
	if got := none.SocketPath("/var/lib/ww/ww.db"); got != "/var/lib/ww/ww.db.sock" {
		t.Fatalf("without config or RUNTIME_DIRECTORY: %s", got)
	}
	t.Setenv("RUNTIME_DIRECTORY", "/run/wirewatch:/run/other")
	if got := none.SocketPath("/var/lib/ww/ww.db"); got != "/run/wirewatch/wirewatch.sock" {
		t.Fatalf("with RUNTIME_DIRECTORY: %s", got)
	}
	cfg := &Config{file: "/etc/wirewatch/config.toml", Daemon: DaemonConfig{Socket: "ww.sock"}}
	if got := cfg.SocketPath("/x.db"); got != "/etc/wirewatch/ww.sock" {
		t.Fatalf("relative [daemon] socket: %s", got)
	}
	if got := (&Config{}).StallAfter(); got != defaultStall {
		t.Fatalf("default stall %s", got)
	}
	if got := (&Config{Daemon: DaemonConfig{Stall: Duration{2 * time.Minute}}}).StallAfter(); got != 2*time.Minute {
		t.Fatalf("stall %s", got)
	}
}
