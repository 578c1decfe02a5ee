package match

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir finds ../shared next to the module root, or skips the test.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found; skipping test that needs ../shared")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "seeds")); err != nil {
		t.Skipf("%s not found: this test reads the shared seeds and corpus, which are not part of the repository", shared)
	}
	return shared
}
