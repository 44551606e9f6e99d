package stats

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/vault"
)

// Contribution bounds: how many cells of one table one subject may add
// one to. A subject with more has a random choice of them counted (so a
// few very active subjects are undercounted, never overcounted); the
// noise is calibrated to the bound, the table's L1 sensitivity.
const (
	// PerMonth is the most cells of one month a subject adds to in a
	// table by month, its "all" cell (the month's denominator) included.
	PerMonth = 4
	// MaxCells is the most cells of one table a subject adds to.
	MaxCells = 24
)

// All labels the cell of every subject with a fact in the month: the
// denominator of the month's rates.
const All = "all"

// arrearsTypes are the event types that say a subject fell into arrears.
var arrearsTypes = []string{"tax.arrears_opened", "credit.instalment_late", "credit.default", "utility.bill_overdue",
	"rent.late", "tax.company_arrears_opened", "labour.wage_arrears_reported"}

// plan is one table to count: its query, its cells in order, the bound
// and how one subject's cells are found.
type plan struct {
	q       candor.StatQuery
	columns []string
	cells   [][]string
	index   map[string]int
	bound   int
	card    population.Materialised // grades only
	months  map[time.Time]string
}

func cellKey(labels ...string) string { return strings.Join(labels, "\x00") }

// newPlan lays out q's cells.
func (s *Service) newPlan(q candor.StatQuery, card population.Materialised) *plan {
	p := &plan{q: q, index: map[string]int{}, card: card}
	add := func(labels ...string) {
		p.index[cellKey(labels...)] = len(p.cells)
		p.cells = append(p.cells, labels)
	}
	if q.Table == candor.StatGrades {
		p.columns, p.bound = []string{"grade"}, 1
		for _, b := range card.Scorecard().Grades {
			add(b.Grade)
		}
		return p
	}
	var values []string
	perMonth := PerMonth
	switch q.Table {
	case candor.StatCategories:
		for _, c := range candor.Categories() {
			values = append(values, c.String())
		}
	case candor.StatSources:
		for _, k := range candor.SourceKinds() {
			values = append(values, k.String())
		}
	case candor.StatEventTypes:
		for _, t := range s.cat.Types() {
			if t.SubjectKind == q.Kind {
				values = append(values, t.Name)
			}
		}
	case candor.StatArrears:
		values, perMonth = []string{"arrears"}, 2
	case candor.StatDisputes:
		values, perMonth = []string{"disputed"}, 2
	}
	p.columns = []string{"month", q.Table.Column()}
	p.months = map[time.Time]string{}
	ms := q.Months()
	for _, m := range ms {
		label := m.Format("2006-01")
		p.months[m] = label
		add(label, All)
		for _, v := range values {
			add(label, v)
		}
	}
	p.bound = min(perMonth*len(ms), MaxCells)
	return p
}

// subjectCells appends to dst the cells of p one subject adds to, each
// once, bounded.
func (s *Service) subjectCells(dst []int, p *plan, events []*candor.Event, sources map[string]candor.SourceKind, perMonth map[string][]int) []int {
	clear(perMonth)
	for _, e := range events {
		label, ok := p.months[candor.MonthOf(e.OccurredAt)]
		if !ok {
			continue
		}
		var value string
		switch p.q.Table {
		case candor.StatCategories:
			if t := s.cat.Type(e.Type); t != nil {
				value = t.Category.String()
			}
		case candor.StatSources:
			if k, ok := sources[e.Source]; ok {
				value = k.String()
			}
		case candor.StatEventTypes:
			value = e.Type
		case candor.StatArrears:
			if slices.Contains(arrearsTypes, e.Type) {
				value = "arrears"
			}
		case candor.StatDisputes:
			if e.State == candor.StateDisputed {
				value = "disputed"
			}
		}
		for _, v := range []string{All, value} {
			if i, ok := p.index[cellKey(label, v)]; ok && !slices.Contains(perMonth[label], i) {
				perMonth[label] = append(perMonth[label], i)
			}
		}
	}
	start := len(dst)
	for _, cells := range perMonth {
		if len(cells) > PerMonth {
			// The month's "all" cell is first: keep it, choose among the rest.
			rest := cells[1:]
			rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
			cells = cells[:PerMonth]
		}
		dst = append(dst, cells...)
	}
	if mine := dst[start:]; len(mine) > p.bound {
		rand.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
		dst = dst[:start+p.bound]
	}
	return dst
}

// count makes one pass over the population and returns the exact,
// bounded counts of every plan's cells. Events are decrypted only if a
// plan is by month.
func (s *Service) count(ctx context.Context, plans []*plan, at time.Time) ([][]int64, error) {
	sources := map[string]candor.SourceKind{}
	srcs, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	for _, src := range srcs {
		sources[src.ID] = src.Kind
	}
	out := make([][]int64, len(plans))
	byMonth := false
	for i, p := range plans {
		out[i] = make([]int64, len(p.cells))
		byMonth = byMonth || p.q.ByMonth()
	}
	var mu sync.Mutex
	scratch := sync.Pool{New: func() any { return &subjectScratch{perMonth: map[string][]int{}} }}
	fn := func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error {
		sc := scratch.Get().(*subjectScratch)
		defer scratch.Put(sc)
		sc.cells = sc.cells[:0]
		sc.plans = sc.plans[:0]
		for i, p := range plans {
			if sub.Kind != p.q.Kind {
				continue
			}
			n := len(sc.cells)
			if p.card != nil {
				ms, err := key.ReadMatches(ctx, s.store, p.card.Key())
				if err != nil {
					return err
				}
				_, g := p.card.PointsFromMatches(ms, at)
				if j, ok := p.index[cellKey(g)]; ok {
					sc.cells = append(sc.cells, j)
				}
			} else {
				sc.cells = s.subjectCells(sc.cells, p, events, sources, sc.perMonth)
			}
			for range len(sc.cells) - n {
				sc.plans = append(sc.plans, i)
			}
		}
		if len(sc.cells) == 0 {
			return nil
		}
		mu.Lock()
		for k, j := range sc.cells {
			out[sc.plans[k]][j]++
		}
		mu.Unlock()
		return nil
	}
	if byMonth {
		_, _, err = population.Each(ctx, s.store, s.vault, s.workers, fn)
	} else {
		_, err = population.Keys(ctx, s.store, s.vault, s.workers, func(sub *candor.SubjectRecord, key *vault.SubjectKey) error {
			return fn(sub, key, nil)
		})
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

type subjectScratch struct {
	cells, plans []int
	perMonth     map[string][]int
}
