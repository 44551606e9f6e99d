package audit_test

import (
	"bytes"
	"testing"

	cpebble "github.com/cockroachdb/pebble/v2"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// firstSubject returns the key and stored events of the installation's
// first subject with at least two events.
func (in *installation) firstSubject(tb testing.TB) (*vault.SubjectKey, []candor.EventRef) {
	tb.Helper()
	for se, err := range in.store.Population(ctx, candor.Part{}) {
		if err != nil {
			tb.Fatal(err)
		}
		if len(se.Events) < 2 {
			continue
		}
		key, err := in.vault.SubjectKey(ctx, se.Subject.ID)
		if err != nil {
			tb.Fatal(err)
		}
		var refs []candor.EventRef
		for _, e := range se.Events {
			refs = append(refs, e.Ref())
		}
		return key, refs
	}
	tb.Fatal("no subject with two events")
	return nil, nil
}

func (in *installation) commit(tb testing.TB, c *audit.Changes) {
	tb.Helper()
	if _, err := c.Commit(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := audit.NewAppender(in.store, in.log, nil, 0).Recover(ctx); err != nil {
		tb.Fatal(err)
	}
}

func TestChangesKeepVerifyMeaningful(t *testing.T) {
	in := mustInstallation(t)
	key, refs := in.firstSubject(t)

	// Disputed, then active again: the same commitment is recorded twice
	// and retired once.
	for _, st := range []candor.EventState{candor.StateDisputed, candor.StateActive, candor.StateDisputed} {
		c := audit.NewChanges(in.store)
		if err := c.SetState(ctx, key, refs[0], st); err != nil {
			t.Fatal(err)
		}
		in.commit(t, c)
		e, ms, err := in.store.Event(ctx, refs[0])
		if err != nil {
			t.Fatal(err)
		}
		if e.State != st || len(ms) == 0 {
			t.Fatalf("event state %v with %d matches, want %v with matches", e.State, len(ms), st)
		}
		for _, m := range ms {
			if m.State != st || m.Alone {
				t.Fatalf("match of card %x: state %v alone %v, want %v stored with its event", m.Scorecard, m.State, m.Alone, st)
			}
		}
		if r := in.verify(t, nil); !r.OK() {
			t.Fatalf("after setting %v: %q", st, r.Problems)
		}
	}
	c := audit.NewChanges(in.store)
	if err := c.SetState(ctx, key, refs[0], candor.StateDisputed); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Fatalf("setting the state it has: %v, want ECONFLICT", err)
	}

	// A retention purge of one event.
	c = audit.NewChanges(in.store)
	if err := c.Delete(ctx, key, refs[1]); err != nil {
		t.Fatal(err)
	}
	in.commit(t, c)
	if _, _, err := in.store.Event(ctx, refs[1]); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("deleted event: %v, want ENOTFOUND", err)
	}
	r := in.verify(t, nil)
	if !r.OK() {
		t.Fatalf("after a deletion: %q", r.Problems)
	}

	// An erasure of a whole subject, access records included.
	sub, err := in.store.Subject(ctx, key.Subject())
	if err != nil {
		t.Fatal(err)
	}
	before := r.Subjects
	c = audit.NewChanges(in.store)
	if err := c.Erase(ctx, key, nil); err != nil {
		t.Fatal(err)
	}
	in.commit(t, c)
	if _, err := in.store.Subject(ctx, sub.ID); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("erased subject: %v, want ENOTFOUND", err)
	}
	r = in.verify(t, nil)
	if !r.OK() || r.Subjects != before-1 {
		t.Fatalf("after an erasure: %d subjects (was %d), problems %q", r.Subjects, before, r.Problems)
	}

	// A state flipped behind the log's back still shows.
	in.tamper(t, tableEvent, func(b *cpebble.Batch, k, v []byte) bool {
		v[1] = byte(candor.StateRemoved)
		b.Set(k, v, nil)
		return true
	})
	wantProblem(t, in.verify(t, nil), "no recorded commitment matches it")
}

// TestRetiredListIsCommitted: altering the retired commitments an entry
// lists is found, because the log holds their RetireCommitment.
func TestRetiredListIsCommitted(t *testing.T) {
	in := mustInstallation(t)
	key, refs := in.firstSubject(t)
	c := audit.NewChanges(in.store)
	if err := c.Delete(ctx, key, refs[0]); err != nil {
		t.Fatal(err)
	}
	in.commit(t, c)
	const tableAudit = 0x0b
	in.tamper(t, tableAudit, func(b *cpebble.Batch, k, v []byte) bool {
		if v[0] != 2 { // an entry with retired commitments
			return false
		}
		v[len(v)-1] ^= 1
		b.Set(bytes.Clone(k), v, nil)
		return true
	})
	wantProblem(t, in.verify(t, nil), "retired commitments are not the ones it logged")
}

// TestChangesRaced: a change read before another change of the same event
// committed is read again and retried, and the log's account stays exact.
func TestChangesRaced(t *testing.T) {
	in := mustInstallation(t)
	key, refs := in.firstSubject(t)

	purge := audit.NewChanges(in.store)
	if err := purge.Delete(ctx, key, refs[1]); err != nil {
		t.Fatal(err)
	}
	dispute := audit.NewChanges(in.store)
	if err := dispute.SetState(ctx, key, refs[1], candor.StateDisputed); err != nil {
		t.Fatal(err)
	}
	again := audit.NewChanges(in.store)
	if err := again.SetState(ctx, key, refs[1], candor.StateDisputed); err != nil {
		t.Fatal(err)
	}
	in.commit(t, dispute)
	in.commit(t, again) // already done: retried, nothing left to change
	in.commit(t, purge) // retried with the disputed event's commitments
	if _, _, err := in.store.Event(ctx, refs[1]); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("the purged event: %v", err)
	}
	if r := in.verify(t, nil); !r.OK() {
		t.Fatalf("after raced changes: %q", r.Problems)
	}
}
