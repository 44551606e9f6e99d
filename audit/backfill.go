package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// MetaBackfilled is the Meta name under which a store records that every
// event stored before it had a transparency log has its commitment
// recorded (the time, RFC 3339).
const MetaBackfilled = "audit.backfilled"

// backfillChunk is how many commitments one backfill commit records.
const backfillChunk = 16384

// Backfill records the commitments of a store's events that predate its
// transparency log (a data dir written before Candor had one): once per
// store, before anything is served. The log then vouches for them from
// that point on, as it does for every later write. Each event's commitment
// covers the matches stored with it then, with the scorecard versions
// cards (every published version). It reports whether it did anything.
// progress, if set, is told of the events of each subject done, from one
// goroutine at a time.
//
// A store whose audit entries already exist (written with the log from its
// first commit) or which holds no subject is only marked.
func Backfill(ctx context.Context, st candor.Store, v *vault.Vault, cards []candor.ScorecardKey, progress func(events int)) (bool, error) {
	_, err := st.GetMeta(ctx, MetaBackfilled)
	switch candor.ErrorCode(err) {
	case "":
		return false, nil
	case candor.ENOTFOUND:
	default:
		return false, err
	}
	mark := func() error {
		return st.PutMeta(ctx, MetaBackfilled, []byte(time.Now().UTC().Format(time.RFC3339)))
	}
	for _, err := range st.AuditEntries(ctx, 0) {
		if err != nil {
			return false, err
		}
		return false, mark() // audited from the start
	}

	workers := runtime.GOMAXPROCS(0)
	var (
		mu      sync.Mutex
		pending []candor.Commitment
		did     bool
	)
	flush := func(cs []candor.Commitment) error {
		if len(cs) == 0 {
			return nil
		}
		_, err := st.Commit(ctx, &candor.WriteBatch{Commitments: func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
			return cs, nil
		}})
		return err
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for se, err := range st.Population(ctx, candor.Part{Index: w, Of: workers}) {
				if err != nil {
					errs[w] = err
					return
				}
				key, err := v.SubjectKey(ctx, se.Subject.ID)
				if err != nil {
					errs[w] = err
					return
				}
				byEvent, err := subjectMatches(ctx, st, se.Subject.ID, cards)
				if err != nil {
					errs[w] = err
					return
				}
				cs := make([]candor.Commitment, 0, len(se.Events))
				for _, e := range se.Events {
					cs = append(cs, candor.EventCommitment(key.Salt(), e, byEvent[e.ID]))
					delete(byEvent, e.ID)
				}
				for _, ms := range byEvent { // matches of events no longer stored
					for _, m := range ms {
						cs = append(cs, candor.MatchCommitment(key.Salt(), m))
					}
				}
				mu.Lock()
				did = true
				pending = append(pending, cs...)
				var full []candor.Commitment
				if len(pending) >= backfillChunk {
					full, pending = pending, nil
				}
				if progress != nil {
					progress(len(se.Events))
				}
				mu.Unlock()
				if err := flush(full); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return did, fmt.Errorf("audit: recording the commitments of events stored before the log: %w", err)
	}
	if err := flush(pending); err != nil {
		return did, err
	}
	return did, mark()
}
