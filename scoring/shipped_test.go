package scoring_test

import (
	"testing"

	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

func TestShippedLoad(t *testing.T) {
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Log(c.Scorecard().ID, len(c.Scorecard().Rules))
	}
}
