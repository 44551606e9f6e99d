package candor_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sealedDataPackages open sealed data, hold keys or write the store's
// bytes: delivery reaches them only through the services.
var sealedDataPackages = []string{"vault", "tlog", "pebble", "postgres", "memstore", "ingest"}

// assemblyPackages wire delivery to the services: delivery never imports
// them (it would reach every store and key through them).
var assemblyPackages = []string{"app", "cmd", "bench"}

// TestDeliveryImportsNoSealedDataPackage fails when the JSON API or the
// portal imports, in code other than tests, a package that opens sealed
// data, holds keys or writes the store, or the assembly (app) that holds
// them all: delivery calls services (the
// root's interfaces) and never decrypts or touches data itself.
func TestDeliveryImportsNoSealedDataPackage(t *testing.T) {
	const module = "github.com/candor-project/candor/"
	for _, dir := range []string{"httpapi", "ui"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range append(sealedDataPackages, assemblyPackages...) {
					if path == module+bad || strings.HasPrefix(path, module+bad+"/") {
						t.Errorf("%s imports %s: delivery must reach it through a service", file, path)
					}
				}
			}
		}
		if checked == 0 {
			t.Fatalf("%s: no Go files checked; the test is broken", dir)
		}
	}
}
