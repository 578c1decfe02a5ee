// Package sharedtest finds ../shared, the third-party seeds and feed corpus
// that tests read at run time but the repository never contains.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of ../shared relative to the module root
// (the folder holding go.mod), or skips the test with a message when it is
// absent.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("skipping: module root not found, so ../shared cannot be located")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "seeds")); err != nil {
		tb.Skipf("skipping: %s is absent (the seeds and feed corpus live beside the repository, not in it)", shared)
	}
	return shared
}

// Path is Dir joined with elem.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
