package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Changes builds a write batch that changes or removes stored facts with
// the log's account of it: each change retires the commitments that
// accounted for what it changes or removes (candor.WriteBatch.Retire) and,
// for a state change, records the commitment of the event as it will be
// stored. A verifier then finds every logged commitment accounted for, and
// a change made behind the log's back still stands out.
//
// Changes reads what it changes when it is added; the store checks, in
// the commit, that it is still stored as read (candor.Seen), and Commit
// reads again and retries when another change came in between.
type Changes struct {
	store candor.Store
	ops   []op
	batch candor.WriteBatch
	write []candor.Commitment
}

// op adds one change to c; replay says it runs again after a conflict,
// when what it meant to do may be done already.
type op func(ctx context.Context, c *Changes, replay bool) error

// NewChanges returns an empty set of changes to st.
func NewChanges(st candor.Store) *Changes { return &Changes{store: st} }

func (c *Changes) add(ctx context.Context, o op) error {
	if err := o(ctx, c, false); err != nil {
		return err
	}
	c.ops = append(c.ops, o)
	return nil
}

// SetState adds a change of a stored event's state (and of all its
// matches') to state. Errors: ENOTFOUND if it is not stored, ECONFLICT if
// it is already in state.
func (c *Changes) SetState(ctx context.Context, key *vault.SubjectKey, ref candor.EventRef, state candor.EventState) error {
	return c.add(ctx, func(ctx context.Context, c *Changes, replay bool) error {
		e, ms, err := c.store.Event(ctx, ref)
		switch {
		case replay && candor.ErrorCode(err) == candor.ENOTFOUND:
			return nil // removed meanwhile: nothing left to change
		case err != nil:
			return err
		case e.State == state && replay:
			return nil
		case e.State == state:
			return candor.Errorf(candor.ECONFLICT, "event %d is %v already", ref.ID, state)
		}
		salt := key.Salt()
		c.batch.Retire = append(c.batch.Retire, candor.StoredCommitments(salt, e, ms)...)
		after := *e
		after.State = state
		with := make([]*candor.MatchRecord, len(ms))
		for i, m := range ms {
			n := *m
			n.State, n.Alone = state, false
			with[i] = &n
		}
		c.write = append(c.write, candor.EventCommitment(salt, &after, with))
		c.batch.Changes = append(c.batch.Changes, candor.StateChange{Event: ref, Seen: seen(e, ms), State: state})
		return nil
	})
}

func seen(e *candor.EventRecord, ms []*candor.MatchRecord) candor.Seen {
	return candor.Seen{State: e.State, Matches: len(ms)}
}

// Delete adds the removal of a stored event with its matches (a fact past
// its retention). An event that is not stored is skipped.
func (c *Changes) Delete(ctx context.Context, key *vault.SubjectKey, ref candor.EventRef) error {
	return c.add(ctx, func(ctx context.Context, c *Changes, _ bool) error {
		e, ms, err := c.store.Event(ctx, ref)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		c.batch.Retire = append(c.batch.Retire, candor.StoredCommitments(key.Salt(), e, ms)...)
		c.batch.Deletes = append(c.batch.Deletes, candor.Deletion{Event: ref, Seen: seen(e, ms)})
		return nil
	})
}

// Erase adds the removal of everything stored about a subject: its record
// and wrapped data key, its identifiers' blind indexes, events, matches,
// records and access records (see candor.WriteBatch.Erase), retiring the
// commitments of its events, matches and access records. key is the
// subject's key, opened before.
func (c *Changes) Erase(ctx context.Context, key *vault.SubjectKey, indexes []candor.BlindIndex) error {
	return c.add(ctx, func(ctx context.Context, c *Changes, _ bool) error {
		st, sub, salt := c.store, key.Subject(), key.Salt()
		var refs []candor.EventRef
		for e, err := range st.Events(ctx, sub, candor.EventFilter{}) {
			if err != nil {
				return err
			}
			refs = append(refs, e.Ref())
		}
		for _, ref := range refs {
			e, ms, err := st.Event(ctx, ref)
			if err != nil {
				return err
			}
			c.batch.Retire = append(c.batch.Retire, candor.StoredCommitments(salt, e, ms)...)
		}
		access := 0
		for rec, err := range st.AccessRecords(ctx, sub) {
			if err != nil {
				return err
			}
			_, plain, err := key.OpenAccess(rec)
			if err != nil {
				return fmt.Errorf("audit: erasing %s: %w", sub, err)
			}
			c.batch.Retire = append(c.batch.Retire, candor.AccessCommitment(salt, plain))
			access++
		}
		for rec, err := range st.Records(ctx, candor.RecordLink, sub) {
			if err != nil {
				return err
			}
			plain, err := key.OpenRecord(rec)
			if err != nil {
				return fmt.Errorf("audit: erasing %s: %w", sub, err)
			}
			c.batch.Retire = append(c.batch.Retire, candor.LinkCommitment(salt, plain))
		}
		c.batch.Erase = append(c.batch.Erase, candor.Erasure{Subject: sub, Events: len(refs), Access: access})
		c.batch.Unindex = append(c.batch.Unindex, indexes...)
		return nil
	})
}

// Keep adds new records to store in the same commit (see
// candor.WriteBatch.Records): what an erasure keeps of the facts it
// removes (candor.ErasedRecord), so that both happen or neither.
func (c *Changes) Keep(ctx context.Context, recs ...*candor.Record) error {
	return c.add(ctx, func(_ context.Context, c *Changes, _ bool) error {
		c.batch.Records = append(c.batch.Records, recs...)
		return nil
	})
}

// ErasureIntent returns, as of at, what the changes will commit when they
// erase one subject whole (Erase, and Keep): the intent an erasure
// records before it shreds the subject's key (candor.ErasureIntent).
// Errors: EINTERNAL for changes that are not one erasure.
func (c *Changes) ErasureIntent(at time.Time) (*candor.ErasureIntent, error) {
	b := &c.batch
	if len(b.Erase) != 1 || len(b.Changes)+len(b.Deletes)+len(b.Events)+len(b.Access)+len(b.Matches)+len(b.Subjects) > 0 {
		return nil, candor.Errorf(candor.EINTERNAL, "audit: the changes are not the erasure of one subject")
	}
	return &candor.ErasureIntent{Erasure: b.Erase[0], Unindex: slices.Clone(b.Unindex), Retire: slices.Clone(b.Retire),
		Keep: slices.Clone(b.Records), At: at}, nil
}

// Empty reports whether nothing is to be changed.
func (c *Changes) Empty() bool {
	b := &c.batch
	return len(b.Changes) == 0 && len(b.Deletes) == 0 && len(b.Erase) == 0
}

// maxAttempts bounds Commit's attempts when other changes keep coming in
// between.
const maxAttempts = 5

// Commit commits the changes in one atomic batch and returns its
// sequence. If the store finds something changed since it was read
// (ECONFLICT), Commit reads everything again and retries, a few times.
func (c *Changes) Commit(ctx context.Context) (uint64, error) {
	for attempt := 1; ; attempt++ {
		write := c.write
		c.batch.Commitments = func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
			return write, nil
		}
		seq, err := c.store.Commit(ctx, &c.batch)
		if candor.ErrorCode(err) != candor.ECONFLICT || attempt == maxAttempts {
			return seq, err
		}
		c.batch, c.write = candor.WriteBatch{}, nil
		for _, o := range c.ops {
			if err := o(ctx, c, true); err != nil {
				return 0, err
			}
		}
		if c.Empty() {
			return 0, nil
		}
	}
}
