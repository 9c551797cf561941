package web_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestJSAPILibraryNode runs the JSAPI helper's own unit tests
// (web/h5/lib/test, node:test) under node. Without node the test skips,
// except under CI=true where it fails (.ci/run installs Debian's nodejs).
func TestJSAPILibraryNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but node is not installed")
		}
		t.Skip("node not installed: the helper's unit tests do not run")
	}
	files, err := filepath.Glob(filepath.Join("h5", "lib", "test", "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no unit tests found: %v", err)
	}
	cmd := exec.Command(node, append([]string{"--test"}, files...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
}
