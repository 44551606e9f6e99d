package yamldoc_test

import (
	"strings"
	"testing"

	"github.com/candor-project/candor/internal/yamldoc"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		line     int    // of the problem; -1 for none
		want     string // substring of the problem
		empty    bool
	}{
		{"one document", "a: 1\nb: [x, y]\n", -1, "", false},
		{"empty", "", -1, "", true},
		{"comments only", "# nothing\n", -1, "", true},
		{"second document", "a: 1\n---\nb: 2\n", 2, "more than one YAML document", false},
		{"bad second document", "a: 1\n---\nb: [\n", 0, "", false},
		{"syntax error", "a: 1\n  b: 2\n", 2, "mapping values are not allowed", false},
		{"alias", "a: &x 1\nb: *x\n", 2, "aliases (*x) are not supported", false},
		{"invalid UTF-8", "a: \xff\n", 0, "not valid UTF-8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, p := yamldoc.Parse([]byte(tt.in))
			if tt.line < 0 {
				if p != nil || (root == nil) != tt.empty {
					t.Fatalf("got %v, %+v; want no problem and empty %v", root, p, tt.empty)
				}
				return
			}
			if p == nil || root != nil || tt.line > 0 && p.Line != tt.line || !strings.Contains(p.What, tt.want) {
				t.Fatalf("got %v, %+v; want a problem at line %d containing %q", root, p, tt.line, tt.want)
			}
		})
	}
}
