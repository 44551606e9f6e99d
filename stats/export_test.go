package stats

import (
	"context"

	"github.com/candor-project/candor"
)

// ExactCounts returns q's cells and their exact, bounded counts, before
// any noise: for tests of what is counted.
func ExactCounts(ctx context.Context, s *Service, q candor.StatQuery, card Card) ([][]string, []int64, error) {
	if q.Table != candor.StatGrades {
		card = nil
	}
	p := s.newPlan(q, card, nil)
	out, err := s.count(ctx, []*plan{p}, s.now())
	if err != nil {
		return nil, nil, err
	}
	return p.cells, out[0], nil
}
