package population_test

import (
	"context"
	"testing"

	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
)

// TestCensusFollowsTheServedSet: a census counts under the versions served
// active when it is counted, not those served when the views were made.
func TestCensusFollowsTheServedSet(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	v2 := testenv.NextVersion(t, e.Cat, "rental-deposit")
	published := scoring.NewPublished(e.Cards, e.Cards)
	views := population.NewViews(e.Store, e.Vault, 1, published, nil)
	versionOf := func() int {
		t.Helper()
		c, err := views.CountGrades(ctx, e.Now)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range c.Cards {
			if d.ID == "rental-deposit" {
				return d.Version
			}
		}
		t.Fatalf("the census has no rental-deposit: %+v", c.Cards)
		return 0
	}
	if v := versionOf(); v != 1 {
		t.Fatalf("census under rental-deposit version %d, want 1", v)
	}
	published.Set([]*scoring.Compiled{e.Cards[0], e.Cards[1], v2}, append(e.Cards, v2))
	if v := versionOf(); v != 2 {
		t.Errorf("census after Set under rental-deposit version %d, want 2", v)
	}
}
