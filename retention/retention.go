package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// DefaultBatch is how many deletions one commit holds at most.
const DefaultBatch = 1000

// Purger deletes expired facts, subject by subject over the population.
type Purger struct {
	store candor.Store
	vault *vault.Vault
	cat   *candor.Catalogue
	now   func() time.Time
	batch int
	parts int
}

// New returns a purger of store, whose events follow catalogue cat. now
// is the clock (nil: time.Now).
func New(store candor.Store, v *vault.Vault, cat *candor.Catalogue, now func() time.Time) *Purger {
	if now == nil {
		now = time.Now
	}
	return &Purger{store: store, vault: v, cat: cat, now: now, batch: DefaultBatch, parts: 16}
}

// Progress is how far a pass has come.
type Progress struct {
	Part, Parts int // parts of the population done, of all
	Subjects    int // subjects read
	Events      int // events read
	Purged      int // events deleted
	Forgotten   int // erased facts' idempotency keys deleted (candor.ErasedRecord)
}

// Run makes one pass over the population and deletes every event whose
// type's retention has passed at the purger's clock, in commits of at
// most DefaultBatch deletions. It reads the population in parts and calls
// progress, if not nil, after each. Events of a type the catalogue no
// longer has are left alone: their retention is unknown. Then it deletes
// what is kept of erased facts (candor.ErasedRecord) whose retention has
// ended.
//
// A change of the same event committed between a deletion's read and its
// commit (a dispute answered) makes the store refuse the batch; the
// batch is then read again and retried (audit.Changes.Commit).
func (p *Purger) Run(ctx context.Context, progress func(Progress)) (Progress, error) {
	now := p.now()
	pr := Progress{Parts: p.parts}
	var opener vault.EventOpener
	c := audit.NewChanges(p.store)
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		if _, err := c.Commit(ctx); err != nil {
			return fmt.Errorf("retention: deleting %d expired events: %w", pending, err)
		}
		pr.Purged += pending
		c, pending = audit.NewChanges(p.store), 0
		return nil
	}
	for part := range p.parts {
		var expired []candor.EventRef
		var keys []*vault.SubjectKey
		for se, err := range p.store.Population(ctx, candor.Part{Index: part, Of: p.parts}) {
			if err != nil {
				return pr, fmt.Errorf("retention: reading the population: %w", err)
			}
			pr.Subjects++
			pr.Events += len(se.Events)
			key, err := p.vault.SubjectKey(ctx, se.Subject.ID)
			if err != nil {
				return pr, err
			}
			evs, err := opener.Open(key, se.Events)
			if err != nil {
				return pr, err
			}
			for i, e := range evs {
				if e.EffectiveState(p.cat.Type(e.Type), now) == candor.StateExpired {
					expired = append(expired, se.Events[i].Ref())
					keys = append(keys, key)
				}
			}
		}
		// Deleted after the part's scan, so that no commit lands under a
		// live iterator of the same part.
		for i, ref := range expired {
			if err := c.Delete(ctx, keys[i], ref); err != nil {
				return pr, fmt.Errorf("retention: event %d: %w", ref.ID, err)
			}
			if pending++; pending >= p.batch {
				if err := flush(); err != nil {
					return pr, err
				}
			}
		}
		if err := flush(); err != nil {
			return pr, err
		}
		pr.Part = part + 1
		if progress != nil {
			progress(pr)
		}
	}
	n, err := p.forgetErased(ctx, now)
	pr.Forgotten = n
	return pr, err
}

// forgetErased deletes the erased facts' idempotency keys kept until
// before now, and returns how many.
func (p *Purger) forgetErased(ctx context.Context, now time.Time) (int, error) {
	var ended []string
	for r, err := range p.store.AllRecords(ctx, candor.RecordErased) {
		if err != nil {
			return 0, fmt.Errorf("retention: reading erased facts: %w", err)
		}
		_, until, err := candor.ParseErasedRecord(r)
		if err != nil {
			return 0, fmt.Errorf("retention: %w", err)
		}
		if !until.After(now) {
			ended = append(ended, r.ID)
		}
	}
	for i, id := range ended {
		if err := p.store.DeleteRecord(ctx, candor.RecordErased, id); err != nil {
			return i, fmt.Errorf("retention: forgetting an erased fact: %w", err)
		}
	}
	return len(ended), nil
}
