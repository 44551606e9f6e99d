package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/candor-project/candor"
)

// What one pass of the console spends from its budget, in millionths.
const (
	ConsoleCensusEpsilon    = candor.MicroEpsilon // shared by the active versions
	ConsoleMigrationEpsilon = candor.MicroEpsilon
)

// Migrator scores the population under two versions, exactly
// (population.Views is one). Its counts never leave ConsoleViews.
type Migrator interface {
	GradeMigration(ctx context.Context, from, to *candor.Scorecard, at time.Time) (*candor.GradeMigration, error)
}

// ConsoleViews are the console's population views
// (candor.PopulationViews) on the service: grade censuses and
// migrations whose every count carries discrete Laplace noise, each pass
// paid from the console's budget, so that no exact count, small or not,
// reaches an operator's screen and recounting does not average the noise
// away. Safe for concurrent use.
type ConsoleViews struct {
	s       *Service
	migrate Migrator
}

var _ candor.PopulationViews = (*ConsoleViews)(nil)

// ConsoleViews returns the console's views, migrations computed by m.
func (s *Service) ConsoleViews(m Migrator) *ConsoleViews { return &ConsoleViews{s: s, migrate: m} }

// censusKey is where the last noisy census is kept in the meta table.
const censusKey = "stats/console-census"

// Census returns the census CountGrades stored last, or nil.
func (v *ConsoleViews) Census(ctx context.Context) (*candor.GradeCensus, error) {
	data, err := v.s.store.GetMeta(ctx, censusKey)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c candor.GradeCensus
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("statistics: %s: %w", censusKey, err)
	}
	return &c, nil
}

// CountGrades counts the grades under every active version at at, with
// noise, ConsoleCensusEpsilon shared by the versions (a subject counts
// once under each of its kind's), and stores the census. Errors:
// EFORBIDDEN when the console's budget cannot pay for it.
func (v *ConsoleViews) CountGrades(ctx context.Context, at time.Time) (*candor.GradeCensus, error) {
	start := time.Now()
	cards := v.s.cards()
	if len(cards) == 0 {
		return nil, candor.Errorf(candor.EINVALID, "no scorecard is active")
	}
	eps := ConsoleCensusEpsilon / int64(len(cards))
	plans := make([]*plan, len(cards))
	for i, c := range cards {
		sc := c.Scorecard()
		plans[i] = v.s.newPlan(candor.StatQuery{Table: candor.StatGrades, Kind: sc.SubjectKind, Scorecard: sc.ID, Epsilon: eps}, c, nil)
	}
	if err := v.spend(ctx, plans); err != nil {
		return nil, err
	}
	counts, err := v.s.count(ctx, plans, at)
	if err != nil {
		return nil, fmt.Errorf("grade census: %w", err)
	}
	c := &candor.GradeCensus{At: at, Epsilon: float64(eps) / candor.MicroEpsilon, Margin: Margin95(float64(candor.MicroEpsilon) / float64(eps))}
	for i, p := range plans {
		noisy, err := v.s.noise(counts[i], 1, eps)
		if err != nil {
			return nil, err
		}
		sc := p.card.Scorecard()
		d := candor.GradeDistribution{ID: sc.ID, Version: sc.Version, Grades: map[string]int{}}
		for j, labels := range p.cells {
			d.Grades[labels[0]] = int(noisy[j])
			d.Total += int(noisy[j])
		}
		c.Cards = append(c.Cards, d)
	}
	c.Took = time.Since(start)
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return c, v.s.store.PutMeta(ctx, censusKey, data)
}

func (v *ConsoleViews) spend(ctx context.Context, plans []*plan) error {
	for _, p := range plans {
		if _, err := v.s.ledger.Spend(ctx, consoleAccount, p.q.String(), p.q.Epsilon, 0, v.s.limit("console")); err != nil {
			return err
		}
	}
	return nil
}

// GradeMigration scores the population under from and to and returns how
// many subjects move between each pair of grades, with noise of
// ConsoleMigrationEpsilon, from the console's budget. The Migrator counts
// subjects, so a person whose k identifiers are linked is in up to k
// cells: the noise is scaled to the largest linked profile
// (MigrationBound). Errors: the Migrator's; EFORBIDDEN when the budget
// cannot pay.
func (v *ConsoleViews) GradeMigration(ctx context.Context, from, to *candor.Scorecard, at time.Time) (*candor.GradeMigration, error) {
	bound, err := v.MigrationBound(ctx)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf("grade-migration?from=%s@%d&to=%s@%d&epsilon=%s", from.ID, from.Version, to.ID, to.Version, candor.FormatEpsilon(ConsoleMigrationEpsilon))
	if _, err := v.s.ledger.Spend(ctx, consoleAccount, q, ConsoleMigrationEpsilon, 0, v.s.limit("console")); err != nil {
		return nil, err
	}
	m, err := v.migrate.GradeMigration(ctx, from, to, at)
	if err != nil {
		return nil, err
	}
	fs, ts := m.From, m.To
	var exact []int64
	var pairs [][2]string
	for _, a := range fs.Grades {
		for _, b := range ts.Grades {
			pairs = append(pairs, [2]string{a.Grade, b.Grade})
			exact = append(exact, int64(m.Moves[[2]string{a.Grade, b.Grade}]))
		}
	}
	noisy, err := v.s.noise(exact, bound, ConsoleMigrationEpsilon)
	if err != nil {
		return nil, err
	}
	out := &candor.GradeMigration{From: fs, To: ts, At: m.At, Moves: map[[2]string]int{},
		Epsilon: float64(ConsoleMigrationEpsilon) / candor.MicroEpsilon, Margin: Margin95(float64(bound) * candor.MicroEpsilon / ConsoleMigrationEpsilon)}
	for i, mv := range pairs {
		n := int(noisy[i])
		out.Moves[mv] = n
		out.Total += n
		switch a, b := fs.GradeRank(mv[0]), fs.GradeRank(mv[1]); {
		case b < 0:
		case b < a:
			out.Up += n
		case b > a:
			out.Down += n
		}
	}
	return out, nil
}

// MigrationBound is how many cells of a migration one person can be in:
// the member subjects of the largest linked profile, 1 without links.
func (v *ConsoleViews) MigrationBound(ctx context.Context) (int, error) {
	survivors, err := v.s.linkedGroups(ctx)
	if err != nil {
		return 0, err
	}
	members := map[candor.SubjectID]int{}
	bound := 1
	for _, survivor := range survivors {
		members[survivor]++
		bound = max(bound, members[survivor])
	}
	return bound, nil
}
