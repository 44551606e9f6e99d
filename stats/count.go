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

// Groups gives the members of a linked subject's profile, the survivor
// first (identity.Service is one): a person known by two linked
// identifiers is two subjects in the store and one person in a count.
type Groups interface {
	Members(ctx context.Context, subject candor.SubjectID) ([]candor.SubjectID, error)
}

// linkedGroups returns the survivor of every subject that is a member of
// a linked profile of more than one subject. Only subjects with link
// records are asked about (their records are found without opening them).
func (s *Service) linkedGroups(ctx context.Context) (map[candor.SubjectID]candor.SubjectID, error) {
	if s.groups == nil {
		return nil, nil
	}
	withLinks := map[candor.SubjectID]bool{}
	for r, err := range s.store.AllRecords(ctx, candor.RecordLink) {
		if err != nil {
			return nil, err
		}
		withLinks[r.Subject] = true
	}
	out := map[candor.SubjectID]candor.SubjectID{}
	for sub := range withLinks {
		ms, err := s.groups.Members(ctx, sub)
		switch {
		case candor.ErrorCode(err) == candor.ENOTFOUND: // erased since
			continue
		case err != nil:
			return nil, err
		case len(ms) > 1:
			out[sub] = ms[0]
		}
	}
	return out, nil
}

// person is a linked profile's members as a pass met them, counted as
// one person once the pass is over.
type person struct {
	sub    candor.SubjectRecord // the survivor's ID, the members' kind
	keys   []*vault.SubjectKey
	events []*candor.Event
}

// count makes one pass over the population and returns the exact,
// bounded counts of every plan's cells, a person whose identifiers are
// linked counted once (the union of the members' facts, bounded as one
// subject's are). Events are decrypted only if a plan is by month.
func (s *Service) count(ctx context.Context, plans []*plan, at time.Time) ([][]int64, error) {
	out := make([][]int64, len(plans))
	byMonth := false
	for i, p := range plans {
		out[i] = make([]int64, len(p.cells))
		byMonth = byMonth || p.q.ByMonth()
	}
	survivors, err := s.linkedGroups(ctx)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	persons := map[candor.SubjectID]*person{}
	scratch := sync.Pool{New: func() any { return new(subjectScratch) }}
	tally := func(sub *candor.SubjectRecord, keys []*vault.SubjectKey, events []*candor.Event) error {
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
				g, err := grade(ctx, s.store, p.card, sub, keys, events, byMonth, at)
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
	fn := func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error {
		survivor, linked := survivors[sub.ID]
		if !linked {
			return tally(sub, []*vault.SubjectKey{key}, events)
		}
		mu.Lock() // what the pass yields is valid only during the call: keep copies
		defer mu.Unlock()
		p := persons[survivor]
		if p == nil {
			p = &person{sub: candor.SubjectRecord{ID: survivor, Kind: sub.Kind}}
			persons[survivor] = p
		}
		p.keys = append(p.keys, key)
		for _, e := range events {
			c := *e
			c.Fields = slices.Clone(e.Fields)
			c.Subject = survivor // one person's facts, as the profile reads them
			p.events = append(p.events, &c)
		}
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
	for _, p := range persons {
		slices.SortStableFunc(p.events, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
		if err := tally(&p.sub, p.keys, p.events); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type subjectScratch struct {
	cells, plans []int
}

// grade returns the grade under card at at of the person whose members'
// keys are keys (sub names the survivor): from the events if the pass
// decrypted them, from the members' stored matches otherwise.
func grade(ctx context.Context, st candor.EventStore, card Card, sub *candor.SubjectRecord, keys []*vault.SubjectKey, events []*candor.Event, decrypted bool, at time.Time) (string, error) {
	if decrypted {
		_, g, err := card.Points(sub.ID, events, at)
		return g, err
	}
	var ms []candor.Match
	for _, key := range keys {
		m, err := key.ReadMatches(ctx, st, card.Key())
		if err != nil {
			return "", err
		}
		ms = append(ms, m...)
	}
	if len(keys) > 1 {
		slices.SortStableFunc(ms, func(a, b candor.Match) int { return a.OccurredAt.Compare(b.OccurredAt) })
	}
	_, g := card.PointsFromMatches(ms, at)
	return g, nil
}
