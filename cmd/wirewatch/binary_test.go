package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// wirewatchBinary builds the real wirewatch binary once per test process
// for subprocess tests: real signals, real kill -9, real exit codes. (It is
// built without -race: the in-process tests cover data races, and a race
// build would double CI time.)
func wirewatchBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping: builds the binary (-short)")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "wirewatch-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "wirewatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{err: err, out: string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
