package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// materialise stores the matches of every stored event with cards, in one
// parallel pass over the population with a progress bar, marks each card
// materialised, and returns each card's grade distribution now, computed
// from the matches just stored. A pass cut short leaves the cards
// unmarked; running it again skips the subjects whose matches it stored
// (each subject's are committed together), so that no match is stored
// twice and the log's account stays exact. Matches are committed with
// their write commitments, for the transparency log.
func materialise(ctx context.Context, inst *installation, cards []*scoring.Compiled, stderr io.Writer) (map[candor.ScorecardKey]map[string]int, error) {
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
		_, err := inst.store.Commit(ctx, &candor.WriteBatch{Matches: mb.recs, Commitments: mb.commitments})
		return err
	}
	bar := newProgress(stderr, "materialising scores", 0)
	defer population.RelaxGC()()
	_, _, err := population.Each(ctx, inst.store, inst.vault, runtime.GOMAXPROCS(0), func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error {
		var recs []*candor.MatchRecord
		salt := key.Salt()
		for _, c := range cards {
			if c.Scorecard().SubjectKind != sub.Kind {
				continue
			}
			ms := c.Matches(events)
			stored, err := hasMatches(ctx, inst.store, sub.ID, c.Key())
			if err != nil {
				return err
			}
			if !stored {
				recs = append(recs, key.SealMatches(ms)...)
			}
			_, grade := c.PointsFromMatches(ms, at)
			mu.Lock()
			grades[c.Key()][grade]++
			mu.Unlock()
		}
		bar.add(0, int64(len(events)))
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
	bar.finish()
	if err != nil {
		return nil, fmt.Errorf("materialising scores: %w", err)
	}
	reg := inst.registry()
	for _, c := range cards {
		if err := reg.MarkMaterialised(ctx, c, at); err != nil {
			return nil, err
		}
	}
	return grades, nil
}

// hasMatches reports whether any match of subject with card is stored.
func hasMatches(ctx context.Context, st candor.EventStore, subject candor.SubjectID, card candor.ScorecardKey) (bool, error) {
	for _, err := range st.Matches(ctx, subject, card) {
		return err == nil, err
	}
	return false, nil
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

// newPipeline returns the ingestion pipeline over inst, with opts'
// catalogue, vault, store and matcher set: every write goes through one,
// so that the matches of the active scorecards stay complete. Before, it
// materialises the active scorecards the store does not hold every match
// of (a data dir from before they were activated, or before matches were
// stored), reporting progress to progressTo. It returns the active
// scorecards and every published version.
func newPipeline(ctx context.Context, inst *installation, opts ingest.Options, progressTo io.Writer) (p *ingest.Pipeline, active, all []*scoring.Compiled, err error) {
	active, all, err = materialiseActive(ctx, inst, progressTo)
	if err != nil {
		return nil, nil, nil, err
	}
	opts.Catalogue, opts.Vault, opts.Store, opts.Matcher = inst.cat, inst.vault, inst.store, scoring.NewMatcher(active)
	return ingest.New(opts), active, all, nil
}

func materialiseActive(ctx context.Context, inst *installation, stderr io.Writer) (active, all []*scoring.Compiled, err error) {
	active, all, err = inst.published(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("the published scorecards do not compile against this catalogue: %w", err)
	}
	reg := inst.registry()
	var missing []*scoring.Compiled
	for _, c := range active {
		ok, err := reg.Materialised(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		if _, err := materialise(ctx, inst, slices.Clip(missing), stderr); err != nil {
			return nil, nil, err
		}
	}
	return active, all, nil
}
