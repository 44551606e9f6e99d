package audit

import (
	"context"
	"fmt"

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
// Changes reads what it changes when it is added; callers MUST serialise
// changes of one subject between adding them and committing the batch.
type Changes struct {
	store candor.EventStore
	batch candor.WriteBatch
	write []candor.Commitment
}

// NewChanges returns an empty set of changes to st.
func NewChanges(st candor.EventStore) *Changes { return &Changes{store: st} }

// SetState adds a change of a stored event's state (and of all its
// matches') to state. It returns the event as stored before the change,
// ENOTFOUND if it is not stored, or ECONFLICT if it is already in state.
func (c *Changes) SetState(ctx context.Context, key *vault.SubjectKey, ref candor.EventRef, state candor.EventState) (*candor.EventRecord, error) {
	e, ms, err := c.store.Event(ctx, ref)
	if err != nil {
		return nil, err
	}
	if e.State == state {
		return nil, candor.Errorf(candor.ECONFLICT, "event %d is %v already", ref.ID, state)
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
	c.batch.Changes = append(c.batch.Changes, candor.StateChange{Event: ref, State: state})
	return e, nil
}

// Delete adds the removal of a stored event with its matches (a fact past
// its retention). An event that is not stored is skipped.
func (c *Changes) Delete(ctx context.Context, key *vault.SubjectKey, ref candor.EventRef) error {
	e, ms, err := c.store.Event(ctx, ref)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	c.batch.Retire = append(c.batch.Retire, candor.StoredCommitments(key.Salt(), e, ms)...)
	c.batch.Deletes = append(c.batch.Deletes, ref)
	return nil
}

// Erase adds the removal of everything stored about a subject: its record
// and wrapped data key, its identifiers' blind indexes, events, matches,
// records and access records (see candor.WriteBatch.Erase), retiring the
// commitments of its events, matches and access records. key is the
// subject's key, opened before.
func (c *Changes) Erase(ctx context.Context, st candor.Store, key *vault.SubjectKey, indexes []candor.BlindIndex) error {
	sub := key.Subject()
	salt := key.Salt()
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
	for rec, err := range st.AccessRecords(ctx, sub) {
		if err != nil {
			return err
		}
		_, plain, err := key.OpenAccess(rec)
		if err != nil {
			return fmt.Errorf("audit: erasing %s: %w", sub, err)
		}
		c.batch.Retire = append(c.batch.Retire, candor.AccessCommitment(salt, plain))
	}
	c.batch.Erase = append(c.batch.Erase, sub)
	c.batch.Unindex = append(c.batch.Unindex, indexes...)
	return nil
}

// Empty reports whether nothing was added.
func (c *Changes) Empty() bool {
	b := &c.batch
	return len(b.Changes) == 0 && len(b.Deletes) == 0 && len(b.Erase) == 0
}

// Commit commits the changes in one atomic batch and returns its sequence.
func (c *Changes) Commit(ctx context.Context) (uint64, error) {
	write := c.write
	c.batch.Commitments = func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
		return write, nil
	}
	return c.store.Commit(ctx, &c.batch)
}
