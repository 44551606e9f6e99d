package app

import (
	"context"
	"fmt"
	"github.com/candor-project/candor/identity"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Materialise stores the matches of the stored events with cards, in one
// parallel pass over the population with a progress bar, marks each card
// materialised, and returns each card's grade distribution now, computed
// from every event's matches. With a bound for a card (bounds), only the
// events at or below it get the card's matches (the writers match the
// later ones: candor.MatchFence). An event that has its matches with a
// card already is skipped, so that a pass cut short can run again and no
// match is stored twice: the log's account stays exact. Matches are
// committed with their write commitments, for the transparency log.
func (inst *Installation) Materialise(ctx context.Context, cards []*scoring.Compiled, bounds map[candor.ScorecardKey]candor.EventID, progressTo io.Writer) (map[candor.ScorecardKey]map[string]int, error) {
	const flushAt = 8192
	at := time.Now()
	var (
		mu      sync.Mutex
		pending matchBatch
	)
	grades := map[candor.ScorecardKey]map[string]int{}
	for _, c := range cards {
		grades[c.Key()] = map[string]int{}
	}
	flush := func(mb matchBatch) error {
		if len(mb.recs) == 0 {
			return nil
		}
		_, err := inst.Store.Commit(ctx, &candor.WriteBatch{Matches: mb.recs, Commitments: mb.commitments})
		return err
	}
	bar := progress.New(progressTo, "materialising scores", 0)
	defer population.RelaxGC()()
	_, _, err := population.Each(ctx, inst.Store, inst.Vault, runtime.GOMAXPROCS(0), func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error {
		var recs []*candor.MatchRecord
		salt := key.Salt()
		for _, c := range cards {
			if c.Scorecard().SubjectKind != sub.Kind {
				continue
			}
			ms := c.Matches(events)
			missing, err := unstored(ctx, inst.Store, sub.ID, c.Key(), ms, bounds)
			if err != nil {
				return err
			}
			recs = append(recs, key.SealMatches(missing)...)
			_, grade := c.PointsFromMatches(ms, at)
			mu.Lock()
			grades[c.Key()][grade]++
			mu.Unlock()
		}
		bar.Add(0, int64(len(events)))
		mu.Lock()
		pending.recs = append(pending.recs, recs...)
		for range recs {
			pending.salts = append(pending.salts, salt)
		}
		var full matchBatch
		if len(pending.recs) >= flushAt {
			full, pending = pending, matchBatch{}
		}
		mu.Unlock()
		return flush(full)
	})
	if err == nil {
		err = flush(pending)
	}
	bar.Finish()
	if err != nil {
		return nil, fmt.Errorf("materialising scores: %w", err)
	}
	reg := inst.Registry()
	for _, c := range cards {
		if err := reg.MarkMaterialised(ctx, c, at); err != nil {
			return nil, err
		}
	}
	return grades, nil
}

// unstored returns those of ms, a subject's matches with card, that are
// of events at or below card's bound (none: every event) and not stored.
func unstored(ctx context.Context, st candor.EventStore, subject candor.SubjectID, card candor.ScorecardKey, ms []candor.Match, bounds map[candor.ScorecardKey]candor.EventID) ([]candor.Match, error) {
	bound, bounded := bounds[card]
	stored := map[candor.EventID]bool{}
	for m, err := range st.Matches(ctx, subject, card) {
		if err != nil {
			return nil, err
		}
		stored[m.Event] = true
	}
	out := ms[:0:0]
	for _, m := range ms {
		if (!bounded || m.Event <= bound) && !stored[m.Event] {
			out = append(out, m)
		}
	}
	return out, nil
}

// matchBatch is matches to store on their own, each with its subject's
// commitment salt.
type matchBatch struct {
	recs  []*candor.MatchRecord
	salts []*candor.Salt
}

// commitments returns the write commitment of each match, recorded with
// them (candor.WriteBatch.Commitments).
func (mb matchBatch) commitments(b *candor.WriteBatch, _ uint64) (write, _ []candor.Commitment) {
	write = make([]candor.Commitment, len(b.Matches))
	for i, m := range b.Matches {
		write[i] = candor.MatchCommitment(mb.salts[i], m)
	}
	return write, nil
}

// NewPipeline returns the ingestion pipeline over inst, with opts'
// catalogue, vault, store and matchers set: every write goes through one,
// so that the matches of the served scorecards stay complete. With
// activateNow it first activates the approved versions whose matches are
// not complete (Activate), reporting progress to progressTo. It returns
// the scorecard sets it was built with. Without opts.Links, it takes link
// facts through an identity service of its own.
func (inst *Installation) NewPipeline(ctx context.Context, opts ingest.Options, activateNow bool, progressTo io.Writer) (*ingest.Pipeline, *ScorecardSets, error) {
	if activateNow {
		if _, _, err := inst.Activate(ctx, progressTo); err != nil {
			return nil, nil, err
		}
	}
	sets, err := inst.ScorecardSets(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts.Catalogue, opts.Vault, opts.Store = inst.Catalogue, inst.Vault, inst.Store
	if opts.Links == nil {
		opts.Links = identity.New(identity.Config{Store: inst.Store, Vault: inst.Vault})
	}
	opts.Matcher, opts.Generation = scoring.NewMatcher(sets.Match), sets.Gen
	opts.Matchers = func(ctx context.Context) (ingest.Matcher, uint64, error) {
		sets, err := inst.ScorecardSets(ctx)
		if err != nil {
			return nil, 0, err
		}
		return scoring.NewMatcher(sets.Match), sets.Gen, nil
	}
	return ingest.New(opts), sets, nil
}

// ScorecardSets are the scorecards a node serves and matches events with,
// as the registry has them at one match generation.
type ScorecardSets struct {
	Gen uint64 // the store's match generation
	// Serve is, for each scorecard, the latest approved version whose
	// matches are complete; Match what the writers match events with:
	// those and the latest approved versions (Pending until activated).
	Serve, Match, Pending []*scoring.Compiled
	All                   []*scoring.Compiled // every approved version
}

// ScorecardSets reads the match generation, then the registry: a matcher
// built from what it returns is at least as new as the generation
// (candor.MatchFence).
func (inst *Installation) ScorecardSets(ctx context.Context) (*ScorecardSets, error) {
	gen, err := inst.Store.MatchGeneration(ctx)
	if err != nil {
		return nil, err
	}
	reg := inst.Registry()
	latest, all, err := reg.Published(ctx)
	if err != nil {
		return nil, fmt.Errorf("the published scorecards do not compile against this catalogue: %w", err)
	}
	sets := &ScorecardSets{Gen: gen, All: all}
	for _, c := range latest {
		sets.Match = append(sets.Match, c)
		done, err := reg.Materialised(ctx, c)
		if err != nil {
			return nil, err
		}
		if done {
			sets.Serve = append(sets.Serve, c)
			continue
		}
		sets.Pending = append(sets.Pending, c)
		older, err := servedBefore(ctx, reg, c, all)
		if err != nil {
			return nil, err
		}
		if older != nil {
			sets.Serve, sets.Match = append(sets.Serve, older), append(sets.Match, older)
		}
	}
	return sets, nil
}

// servedBefore returns the latest version of c's scorecard before c whose
// matches are complete, or nil.
func servedBefore(ctx context.Context, reg *scoring.Registry, c *scoring.Compiled, all []*scoring.Compiled) (*scoring.Compiled, error) {
	var best *scoring.Compiled
	for _, o := range all {
		sc := o.Scorecard()
		if sc.ID != c.Scorecard().ID || sc.Version >= c.Scorecard().Version || best != nil && sc.Version < best.Scorecard().Version {
			continue
		}
		done, err := reg.Materialised(ctx, o)
		if err != nil {
			return nil, err
		}
		if done {
			best = o
		}
	}
	return best, nil
}

// Activate activates every approved version whose matches are not
// complete: it advances the store's match generation once for those that
// have no bound yet and records the bound with each (so the writers match
// every later event with them), stores their matches with the events at
// or below their bounds (Materialise), and marks them materialised, after
// which every node serves them. It is safe while writers run and if cut
// short; of nodes sharing a store, the one holding the jobs' lease runs
// it. It returns the versions activated and their grade distributions.
func (inst *Installation) Activate(ctx context.Context, progressTo io.Writer) ([]*scoring.Compiled, map[candor.ScorecardKey]map[string]int, error) {
	sets, err := inst.ScorecardSets(ctx)
	if err != nil || len(sets.Pending) == 0 {
		return nil, nil, err
	}
	reg := inst.Registry()
	bounds := map[candor.ScorecardKey]candor.EventID{}
	var unfenced []*scoring.Compiled
	for _, c := range sets.Pending {
		bound, ok, err := reg.Fence(ctx, c)
		switch {
		case err != nil:
			return nil, nil, err
		case ok:
			bounds[c.Key()] = bound
		default:
			unfenced = append(unfenced, c)
		}
	}
	if len(unfenced) > 0 {
		_, bound, err := inst.Store.AdvanceMatchGeneration(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range unfenced {
			if err := reg.SetFence(ctx, c, bound); err != nil {
				return nil, nil, err
			}
			bounds[c.Key()] = bound
		}
	}
	grades, err := inst.Materialise(ctx, sets.Pending, bounds, progressTo)
	if err != nil {
		return nil, nil, err
	}
	return sets.Pending, grades, nil
}
