package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Dependencies point inward (DESIGN.md): domain imports only the standard
// library and decimal; app adds nothing but domain — no framework, no
// database driver, no WeChat SDK, none of our adapters.
func TestLayering(t *testing.T) {
	for pkg, allowed := range map[string][]string{
		"github.com/baoxiao/baoxiao/domain": {"github.com/shopspring/decimal", "github.com/baoxiao/baoxiao/domain"},
		"github.com/baoxiao/baoxiao/app": {
			"github.com/shopspring/decimal", "github.com/baoxiao/baoxiao/domain", "github.com/baoxiao/baoxiao/app",
			"golang.org/x/sync/",
		},
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			ok := false
			for _, a := range allowed {
				if dep == a || strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
}
