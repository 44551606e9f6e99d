package candor_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/charter.md names, for each charter point, the tests that hold Candor
// to it; every one of them must exist, so the page cannot drift from the code.
func TestCharterDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("docs/charter.md")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"candor": ".", "main": "cmd/candor", "verifyproof": "examples/verifyproof"}
	refs := regexp.MustCompile("`([a-z]+)\\.((?:Test|Fuzz)[A-Za-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1)
	if len(refs) < 20 {
		t.Fatalf("docs/charter.md names %d tests; the pattern or the page is broken", len(refs))
	}
	for _, ref := range refs {
		pkg, name := ref[1], ref[2]
		dir, ok := dirs[pkg]
		if !ok {
			dir = pkg
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), "func "+name+"(") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("docs/charter.md names %s.%s, which is not in %s/*_test.go", pkg, name, dir)
		}
	}
}
