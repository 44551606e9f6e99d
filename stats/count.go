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

// Card is an active scorecard version whose grades the grades table
// counts (scoring.Compiled is one): from the events when a pass has them
// decrypted already, from the matches stored with them otherwise; the
// two agree.
type Card interface {
	population.Materialised
	Points(subject candor.SubjectID, events []*candor.Event, at time.Time) (int, string, error)
}

// plan is one table to count: its query, its cells in order, the bound
// and how one subject's cells are found. A table by month lays its cells
// out month by month, stride cells a month: the month's "all" cell, then
// one per value.
type plan struct {
	q       candor.StatQuery
	columns []string
	cells   [][]string
	index   map[string]int
	bound   int
	card    Card // grades only
	// Tables by month: the first month as year*12+month, the cells a
	// month, and each value's position by what an event names (its type,
	// or its source's ID for sources).
	first, stride int
	values        map[string]int
}

func cellKey(labels ...string) string { return strings.Join(labels, "\x00") }

func monthNumber(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// newPlan lays out q's cells. sources maps source IDs to their kinds.
func (s *Service) newPlan(q candor.StatQuery, card Card, sources map[string]candor.SourceKind) *plan {
	p := &plan{q: q, index: map[string]int{}, card: card, values: map[string]int{}}
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
		for i, c := range candor.Categories() {
			values = append(values, c.String())
			for _, t := range s.cat.Types() {
				if t.Category == c {
					p.values[t.Name] = i
				}
			}
		}
	case candor.StatSources:
		for i, k := range candor.SourceKinds() {
			values = append(values, k.String())
			for id, sk := range sources {
				if sk == k {
					p.values[id] = i
				}
			}
		}
	case candor.StatEventTypes:
		for _, t := range s.cat.Types() {
			if t.SubjectKind == q.Kind {
				p.values[t.Name] = len(values)
				values = append(values, t.Name)
			}
		}
	case candor.StatArrears:
		values, perMonth = []string{"arrears"}, 2
		for _, t := range arrearsTypes {
			p.values[t] = 0
		}
	case candor.StatDisputes:
		values, perMonth = []string{"disputed"}, 2
	}
	p.columns = []string{"month", q.Table.Column()}
	p.first, p.stride = monthNumber(q.From), 1+len(values)
	ms := q.Months()
	for _, m := range ms {
		label := m.Format("2006-01")
		add(label, All)
		for _, v := range values {
			add(label, v)
		}
	}
	p.bound = min(perMonth*len(ms), MaxCells)
	return p
}

// value returns the position of the value an event counts under in p,
// or -1.
func (p *plan) value(e *candor.Event) int {
	key := e.Type
	switch p.q.Table {
	case candor.StatSources:
		key = e.Source
	case candor.StatDisputes:
		if e.State == candor.StateDisputed {
			return 0
		}
		return -1
	}
	if i, ok := p.values[key]; ok {
		return i
	}
	return -1
}

// subjectCells appends to dst the cells of p one subject adds to, each
// once, at most PerMonth a month (the month's "all" cell always among
// them) and p.bound in all, chosen at random when there are more.
func subjectCells(dst []int, p *plan, events []*candor.Event) []int {
	start := len(dst)
	months := len(p.cells) / p.stride
	for _, e := range events {
		mi := monthNumber(e.OccurredAt.UTC()) - p.first
		if mi < 0 || mi >= months {
			continue
		}
		base := mi * p.stride
		if !slices.Contains(dst[start:], base) {
			dst = append(dst, base)
		}
		if v := p.value(e); v >= 0 && !slices.Contains(dst[start:], base+1+v) {
			dst = append(dst, base+1+v)
		}
	}
	mine := dst[start:]
	slices.Sort(mine) // month by month, each month's "all" cell first
	kept := mine[:0]
	for i := 0; i < len(mine); {
		j := i + 1
		for j < len(mine) && mine[j]/p.stride == mine[i]/p.stride {
			j++
		}
		group := mine[i:j]
		if len(group) > PerMonth {
			rest := group[1:]
			rand.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
			group = group[:PerMonth]
		}
		kept = append(kept, group...)
		i = j
	}
	if len(kept) > p.bound {
		rand.Shuffle(len(kept), func(a, b int) { kept[a], kept[b] = kept[b], kept[a] })
		kept = kept[:p.bound]
	}
	return dst[:start+len(kept)]
}

// count makes one pass over the population and returns the exact,
// bounded counts of every plan's cells. Events are decrypted only if a
// plan is by month.
func (s *Service) count(ctx context.Context, plans []*plan, at time.Time) ([][]int64, error) {
	var err error
	out := make([][]int64, len(plans))
	byMonth := false
	for i, p := range plans {
		out[i] = make([]int64, len(p.cells))
		byMonth = byMonth || p.q.ByMonth()
	}
	var mu sync.Mutex
	scratch := sync.Pool{New: func() any { return new(subjectScratch) }}
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
				g, err := grade(ctx, s.store, p.card, sub, key, events, byMonth, at)
				if err != nil {
					return err
				}
				if j, ok := p.index[cellKey(g)]; ok {
					sc.cells = append(sc.cells, j)
				}
			} else {
				sc.cells = subjectCells(sc.cells, p, events)
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
}

// grade returns sub's grade under card at at: from its events if the
// pass decrypted them, from its stored matches otherwise.
func grade(ctx context.Context, st candor.EventStore, card Card, sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event, decrypted bool, at time.Time) (string, error) {
	if decrypted {
		_, g, err := card.Points(sub.ID, events, at)
		return g, err
	}
	ms, err := key.ReadMatches(ctx, st, card.Key())
	if err != nil {
		return "", err
	}
	_, g := card.PointsFromMatches(ms, at)
	return g, nil
}
