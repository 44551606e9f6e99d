package app

import (
	"testing"

	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestStatisticsFollowTheServedSet: the statistics (the console's census
// among them) count under the versions served active when they count,
// not those served when the service was made.
func TestStatisticsFollowTheServedSet(t *testing.T) {
	e := testenv.New(t)
	v2 := testenv.NextVersion(t, e.Cat, "rental-deposit")
	published := scoring.NewPublished(e.Cards, e.Cards)
	cards := activeVersions(published)
	versionOf := func() int {
		t.Helper()
		for _, c := range cards() {
			if sc := c.Scorecard(); sc.ID == "rental-deposit" {
				return sc.Version
			}
		}
		t.Fatal("rental-deposit is not active")
		return 0
	}
	if v := versionOf(); v != 1 {
		t.Fatalf("rental-deposit version %d, want 1", v)
	}
	published.Set([]*scoring.Compiled{e.Cards[0], e.Cards[1], v2}, append(e.Cards, v2))
	if v := versionOf(); v != 2 {
		t.Errorf("after Set, rental-deposit version %d, want 2", v)
	}
}
