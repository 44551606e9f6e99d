package synth

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	candor "github.com/candor-project/candor"
)

// Config says which population to generate and which part of its history.
type Config struct {
	Seed    uint64
	Persons int // persons 0..Persons-1; 0 means 50,000; at most MaxPersons
	Orgs    int // organisations 0..Orgs-1; 0 means 5,000; at most MaxOrgs
	// Until is where the history ends (exclusive): the first instant of a
	// month, UTC. Required.
	Until time.Time
	// Months is how many months of history before Until to generate; 0
	// means 36. Facts still in force at the start of the window (the
	// registration of a subject, a running loan, a valid permit or licence)
	// are generated too, dated when they happened.
	Months int
	// Now is the clock the events will be validated against: events later
	// than Now, or within a day of falling out of their type's retention at
	// Now, are skipped (the day's margin lets ingestion run a little later).
	// Zero means Until.
	Now time.Time
	// BatchSize is the number of events per emitted batch; 0 means 1,000,
	// the most one ingestion request may carry.
	BatchSize int
	// Workers is the number of goroutines generating; 0 means GOMAXPROCS.
	Workers int
}

// Defaults of Config.
const (
	DefaultPersons   = 50_000
	DefaultOrgs      = 5_000
	DefaultMonths    = 36
	DefaultBatchSize = 1_000
)

// retentionMargin is how long before its expiry an event is already skipped.
const retentionMargin = 24 * time.Hour

// Stats counts what Generate produced.
type Stats struct {
	Events   int            // events emitted
	Batches  int            // calls of emit
	BySource map[string]int // events emitted per source ID
	ByType   map[string]int // events generated per event type (after an error, some may not have been emitted)
	Skipped  int            // events not generated: after Until or Now, or out of retention at Now
}

// EmitFunc receives one batch: events NDJSON lines (each ending in '\n')
// for the source sourceID. ndjson is reused after emit returns, so emit must
// not keep it. An error stops generation and is returned by Generate.
type EmitFunc func(sourceID string, ndjson []byte, events int) error

// Generate generates the population's history for the window of cfg and
// passes it to emit in batches of at most cfg.BatchSize events of one source.
// Within a source, batches come out in rough time order, a month at a time.
//
// Generation runs on cfg.Workers goroutines, and emit is called from all of
// them concurrently: it must be safe for concurrent use. The content of the
// output (the multiset of lines) is deterministic; how lines are grouped
// into batches and the order of batches depend on scheduling.
//
// cat must contain every type synth writes, with the fields it writes (the
// shipped catalogue does); otherwise Generate returns an error before
// emitting anything. Generate returns ctx's error if ctx ends, and an error
// wrapping emit's if emit fails; Stats then counts what was emitted so far.
func Generate(ctx context.Context, cfg Config, cat *candor.Catalogue, emit EmitFunc) (Stats, error) {
	g, err := newGen(cfg, cat, emit)
	if err != nil {
		return Stats{}, err
	}
	g.ctx = ctx
	ws := make([]*worker, g.cfg.Workers)
	for k := range ws {
		ws[k] = &worker{g: g, shard: k}
	}
	var runErr error
	for M := g.startM; M < g.untilM && runErr == nil; M++ {
		mc := g.month(M)
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(func() { w.runMonth(&mc) })
		}
		wg.Wait()
		runErr = firstError(ctx, ws)
	}
	if runErr == nil {
		runErr = g.flushAll(ws)
	}
	return g.stats(ws), runErr
}

func firstError(ctx context.Context, ws []*worker) error {
	for _, w := range ws {
		if w.err != nil {
			return w.err
		}
	}
	return ctx.Err()
}

// gen is what workers share: read-only once built, but for the stop flag.
type gen struct {
	cfg            Config
	emit           EmitFunc
	ctx            context.Context
	stop           atomic.Bool
	startM, untilM int // absolute months of the window
	startDay       int
	maxDay         int           // last day an event may fall on: before Until, not after Now
	minDay         [numTypes]int // first day an event of each type may fall on (retention at Now)

	// Counts of the final flush, which runs on Generate's goroutine.
	finalBatches int
	finalSources [numSources]int
}

func newGen(cfg Config, cat *candor.Catalogue, emit EmitFunc) (*gen, error) {
	if cfg.Persons == 0 {
		cfg.Persons = DefaultPersons
	}
	if cfg.Orgs == 0 {
		cfg.Orgs = DefaultOrgs
	}
	if cfg.Months == 0 {
		cfg.Months = DefaultMonths
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Now.IsZero() {
		cfg.Now = cfg.Until
	}
	u := cfg.Until.UTC()
	var ps []string
	switch {
	case cfg.Persons < 0 || cfg.Persons > MaxPersons:
		ps = append(ps, fmt.Sprintf("persons must be from 1 to %d", MaxPersons))
	case cfg.Orgs < 0 || cfg.Orgs > MaxOrgs:
		ps = append(ps, fmt.Sprintf("orgs must be from 1 to %d", MaxOrgs))
	case cfg.Until.IsZero() || u.Day() != 1 || u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0:
		ps = append(ps, "until must be the first instant of a month, UTC")
	case u.Year() < 1980 || u.Year() > 9000:
		ps = append(ps, "until must be between 1980 and 9000")
	case cfg.Months < 0 || cfg.Months > 600:
		ps = append(ps, "months must be from 1 to 600")
	case cfg.BatchSize < 0:
		ps = append(ps, "batch size must be positive")
	case cfg.Workers < 0:
		ps = append(ps, "workers must be positive")
	case cat == nil:
		ps = append(ps, "no catalogue")
	case emit == nil:
		ps = append(ps, "no emit function")
	}
	if len(ps) > 0 {
		return nil, fmt.Errorf("synth: %s", ps[0])
	}
	if err := checkCatalogue(cat); err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, emit: emit}
	g.untilM = u.Year()*12 + int(u.Month()) - 1
	g.startM = g.untilM - cfg.Months
	g.startDay = monthStart(g.startM)
	now := cfg.Now.Unix()
	g.maxDay = min(monthStart(g.untilM)-1, int(floorDiv64(now, 86400)))
	for t := range typeDefs {
		ret := cat.Type(typeDefs[t].name).Retention
		first := now - int64((ret - retentionMargin).Seconds())
		g.minDay[t] = int(-floorDiv64(-first, 86400)) // ceiling
	}
	return g, nil
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// monthCtx describes the month being generated.
type monthCtx struct {
	M           int // absolute month: year*12 + month - 1
	year, month int // month from 1
	first, next int // day numbers of its first day and of the next month's
	start       bool
}

func (g *gen) month(M int) monthCtx {
	return monthCtx{M: M, year: floorDiv(M, 12), month: M - floorDiv(M, 12)*12 + 1,
		first: monthStart(M), next: monthStart(M + 1), start: M == g.startM}
}

func (mc *monthCtx) has(day int) bool { return mc.first <= day && day < mc.next }

// kept reports whether an event of type t on day, generated in the window,
// is emitted. Closing events (a settlement, a lifted order) are emitted only
// when the event they close is.
func (g *gen) kept(t typeID, day int) bool {
	return day >= g.startDay && day >= g.minDay[t] && day <= g.maxDay
}

// retained reports whether an event of type t on day is emitted when it is
// generated (in the window, or carried into it as a fact still in force).
func (g *gen) retained(t typeID, day int) bool {
	return day >= g.minDay[t] && day <= g.maxDay
}

func (g *gen) stats(ws []*worker) Stats {
	s := Stats{BySource: map[string]int{}, ByType: map[string]int{}}
	for _, w := range ws {
		s.Batches += w.batches
		s.Skipped += w.skipped
		for t, n := range w.byType {
			if n > 0 {
				s.ByType[typeDefs[t].name] += n
			}
		}
		for src, n := range w.emitted {
			s.Events += n
			if n > 0 {
				s.BySource[sourceDefs[src].id] += n
			}
		}
	}
	s.Batches += g.finalBatches
	for src, n := range g.finalSources {
		s.Events += n
		if n > 0 {
			s.BySource[sourceDefs[src].id] += n
		}
	}
	return s
}

// flushAll emits what the workers hold, merging their partial batches so
// that the run ends with at most one short batch per source.
func (g *gen) flushAll(ws []*worker) error {
	var buf []byte
	for src := range sourceID(numSources) {
		buf = buf[:0]
		n := 0
		for _, w := range ws {
			b := w.bufs[src]
			for len(b) > 0 {
				end := indexNewline(b) + 1
				buf = append(buf, b[:end]...)
				b = b[end:]
				n++
				if n == g.cfg.BatchSize {
					if err := g.emitBatch(src, buf, n); err != nil {
						return err
					}
					buf, n = buf[:0], 0
				}
			}
			w.bufs[src] = w.bufs[src][:0]
		}
		if n > 0 {
			if err := g.emitBatch(src, buf, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func indexNewline(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return len(b) - 1
}

func (g *gen) emitBatch(src sourceID, buf []byte, n int) error {
	if err := g.emit(sourceDefs[src].id, buf, n); err != nil {
		return &emitError{src: sourceDefs[src].id, err: err}
	}
	g.finalBatches++
	g.finalSources[src] += n
	return nil
}
