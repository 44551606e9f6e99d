package credentials

import (
	"slices"
	"testing"
	"time"
)

// Explain gives, beside its English lines, the parts a page in another
// language writes them from: the instants, the status list's word, each
// statement shown with its sentence and value, the number withheld and
// the statements absent — the same facts as the lines.
func TestExplainParts(t *testing.T) {
	issued := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	r := &Result{Issuer: "https://candor.test", Type: TypeStatus, IssuedAt: issued, Expires: issued.Add(time.Hour),
		Claims:    []Claim{{Name: "rental_grade_at_least", Value: "A"}, {Name: "no_standing_court_restriction", Value: true}, {Name: "made_up", Value: 3}},
		HasStatus: true, Status: StatusSuspended, StatusAsOf: issued.Add(time.Minute)}
	e := Explain(r)
	if !e.IssuedAt.Equal(r.IssuedAt) || !e.Expires.Equal(r.Expires) || e.StatusWord != "suspended" || !e.StatusAsOf.Equal(r.StatusAsOf) || e.Withheld != 0 {
		t.Errorf("parts: %+v", e)
	}
	if len(e.Shown) != 3 || len(e.Says) != 3 {
		t.Fatalf("shown %d, says %d, want 3 and 3", len(e.Shown), len(e.Says))
	}
	if s := e.Shown[0]; s.Name != "rental_grade_at_least" || s.Label != labels["rental_grade_at_least"] || s.Value != "A" || e.Says[0] != "Rental grade is at least A (published rental scorecard)." {
		t.Errorf("first statement: %+v, %q", s, e.Says[0])
	}
	if e.Shown[2].Label != "" {
		t.Errorf("a statement Candor does not define has the label %q", e.Shown[2].Label)
	}
	if !slices.Contains(e.Absent, "work_permit_valid") || slices.Contains(e.Absent, "rental_grade_at_least") {
		t.Errorf("absent: %q", e.Absent)
	}
	// Withheld statements: nothing can be said to be absent.
	r.Withheld, r.HasStatus = 2, false
	if e := Explain(r); e.Withheld != 2 || len(e.Absent) != 0 || e.StatusWord != "" {
		t.Errorf("with two withheld and no status list: %+v", e)
	}
}
