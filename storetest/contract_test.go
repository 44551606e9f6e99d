package storetest

import (
	"os"
	"strings"
	"testing"
)

// TestContractDocListsTheSuite: docs/store-contract.md names every
// capability of the suite and each of its cases, so the page a store's
// author reads is the suite that judges the store.
func TestContractDocListsTheSuite(t *testing.T) {
	doc, err := os.ReadFile("../docs/store-contract.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for _, c := range capabilities {
		// The capability's entry in the list of cases, joined across its
		// wrapped lines.
		start := lineWithPrefix(lines, "- **"+c.name+"**:")
		if start < 0 {
			t.Errorf("docs/store-contract.md lists no cases for %s", c.name)
			continue
		}
		entry := lines[start]
		for _, l := range lines[start+1:] {
			if !strings.HasPrefix(l, "  ") {
				break
			}
			entry += " " + strings.TrimSpace(l)
		}
		listed := map[string]bool{}
		for _, name := range strings.Split(strings.TrimPrefix(entry, "- **"+c.name+"**:"), ",") {
			listed[strings.TrimSpace(name)] = true
		}
		for _, tc := range c.cases {
			if !listed[tc.name] {
				t.Errorf("docs/store-contract.md: %s lacks the case %s", c.name, tc.name)
			}
			delete(listed, tc.name)
		}
		for name := range listed {
			t.Errorf("docs/store-contract.md: %s lists %q, which the suite does not run", c.name, name)
		}
	}
}

// lineWithPrefix returns the index of the first line starting with prefix,
// or -1.
func lineWithPrefix(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}
