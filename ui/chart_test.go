package ui

import (
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// Moved up and moved down are totals over cells: one suppressed cell
// among them rounds them, so that subtracting the shown cells cannot give
// it away.
func TestMigrationTotalsDoNotGiveSuppressedCellsAway(t *testing.T) {
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	sc := cards[0].Scorecard()
	g := sc.Grades
	if len(g) < 3 {
		t.Fatalf("%s has %d grades", sc.ID, len(g))
	}
	// Up: 31 from the second grade to the best, 3 from the third to the
	// second. Down: 12 from the best to the second (and empty cells, which
	// are suppressed too).
	m := &candor.GradeMigration{From: sc, To: sc, Moves: map[[2]string]int{
		{g[1].Grade, g[0].Grade}: 31, {g[2].Grade, g[1].Grade}: 3, {g[0].Grade, g[1].Grade}: 12}}
	m.Total, m.Up, m.Down = 46, 34, 12
	v := migrationView(m)
	if v.Up.Text != "about 30" {
		t.Errorf("moved up %q, want about 30: exact, 34 less the 31 shown gives the suppressed 3 away", v.Up.Text)
	}
}
