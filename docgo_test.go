package candor_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageHasDocGo fails on a package without a doc.go holding its
// package documentation, and on package documentation in any other file,
// so that a package explains itself in one known place.
func TestEveryPackageHasDocGo(t *testing.T) {
	dirs := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		sources, _ := filepath.Glob(filepath.Join(path, "*.go"))
		var documented []string
		hasSource := false
		for _, file := range sources {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			hasSource = true
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			if f.Doc != nil {
				documented = append(documented, filepath.Base(file))
			}
		}
		if !hasSource {
			return nil
		}
		dirs++
		if _, err := os.Stat(filepath.Join(path, "doc.go")); err != nil {
			t.Errorf("%s: no doc.go", path)
		}
		if len(documented) != 1 || documented[0] != "doc.go" {
			t.Errorf("%s: the package documentation is in %v; want it in doc.go only", path, documented)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dirs < 20 {
		t.Fatalf("checked %d packages; the walk is broken", dirs)
	}
}
