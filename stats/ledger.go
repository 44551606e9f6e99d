package stats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// LedgerStore is what the ledger keeps its entries in.
type LedgerStore interface {
	Commit(ctx context.Context, b *candor.WriteBatch) (uint64, error)
	AllRecords(ctx context.Context, kind candor.RecordKind) iter.Seq2[*candor.Record, error]
	RecordsVersion(kind candor.RecordKind, id candor.SubjectID) uint64
}

// Ledger is the privacy-budget ledger: one record per spend in the store
// (candor.RecordPrivacySpend), each committed with its write commitment
// so that the transparency log holds every spend, and audit verify
// accounts for them. A spend is checked against the account's limit and
// stored under one lock: in this process a mutex, and across the nodes
// sharing a store, the store's lease when it has leases
// (candor.Leaser), so that two spends can never both pass the check.
// Safe for concurrent use.
type Ledger struct {
	store  LedgerStore
	now    func() time.Time
	holder string

	mu      sync.Mutex
	version uint64
	spent   map[string]candor.PrivacyBudget // Account, SpentEpsilon, SpentDelta, Spends
}

// ledgerLease is the lease a spend holds on a shared store.
const ledgerLease = "stats/privacy-ledger"

// NewLedger returns the ledger kept in st. now is the clock (nil:
// time.Now).
func NewLedger(st LedgerStore, now func() time.Time) *Ledger {
	if now == nil {
		now = time.Now
	}
	var h [8]byte
	rand.Read(h[:])
	return &Ledger{store: st, now: now, holder: "ledger-" + hex.EncodeToString(h[:])}
}

// Spent returns what account has spent, with limit's limits. Errors: the
// store's, or EINTERNAL for a ledger entry that does not read.
func (l *Ledger) Spent(ctx context.Context, account string, limit candor.PrivacyBudget) (candor.PrivacyBudget, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.spentLocked(ctx, account, limit)
}

func (l *Ledger) spentLocked(ctx context.Context, account string, limit candor.PrivacyBudget) (candor.PrivacyBudget, error) {
	if v := l.store.RecordsVersion(candor.RecordPrivacySpend, candor.SubjectID{}); l.spent == nil || v != l.version {
		spent := map[string]candor.PrivacyBudget{}
		for r, err := range l.store.AllRecords(ctx, candor.RecordPrivacySpend) {
			if err != nil {
				return candor.PrivacyBudget{}, err
			}
			var p candor.PrivacySpend
			if err := p.UnmarshalBinary(r.Data); err != nil || r.ID != candor.PrivacySpendID(p.Account, p.N) {
				return candor.PrivacyBudget{}, candor.Errorf(candor.EINTERNAL, "privacy ledger: entry %q does not read", r.ID)
			}
			b := spent[p.Account]
			b.SpentEpsilon += p.Epsilon
			b.SpentDelta += p.Delta
			b.Spends++
			spent[p.Account] = b
		}
		l.spent, l.version = spent, v
	}
	b := l.spent[account]
	b.Account, b.Epsilon, b.Delta = account, limit.Epsilon, limit.Delta
	return b, nil
}

// Spend records that account spends epsilon (millionths) and delta
// (10⁻¹⁵) on query, if what it has spent leaves room for it under
// limit's limits, and returns the budget afterwards. Errors: EFORBIDDEN,
// saying what is left, when it does not (nothing is written);
// EUNAVAILABLE if another node holds the ledger too long; the store's.
func (l *Ledger) Spend(ctx context.Context, account, query string, epsilon, delta int64, limit candor.PrivacyBudget) (candor.PrivacyBudget, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if leaser, ok := l.store.(candor.Leaser); ok {
		if err := l.lease(ctx, leaser); err != nil {
			return candor.PrivacyBudget{}, err
		}
		defer leaser.ReleaseLease(context.WithoutCancel(ctx), ledgerLease, l.holder)
	}
	b, err := l.spentLocked(ctx, account, limit)
	if err != nil {
		return b, err
	}
	if b.SpentEpsilon+epsilon > b.Epsilon || b.SpentDelta+delta > b.Delta {
		return b, candor.Errorf(candor.EFORBIDDEN, "privacy budget spent: %s has ε %s left of %s (δ %s of %s) and this needs ε %s (δ %s): refused, nothing counted",
			account, candor.FormatEpsilon(b.LeftEpsilon()), candor.FormatEpsilon(b.Epsilon), formatDelta(b.LeftDelta()), formatDelta(b.Delta),
			candor.FormatEpsilon(epsilon), formatDelta(delta))
	}
	p := &candor.PrivacySpend{Account: account, N: uint64(b.Spends) + 1, Query: query, Epsilon: epsilon, Delta: delta, At: l.now().UTC()}
	enc, err := p.MarshalBinary()
	if err != nil {
		return b, err
	}
	c := candor.PrivacySpendCommitment(enc)
	_, err = l.store.Commit(ctx, &candor.WriteBatch{
		Records: []*candor.Record{{Kind: candor.RecordPrivacySpend, ID: candor.PrivacySpendID(account, p.N), Data: enc}},
		Commitments: func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) {
			return []candor.Commitment{c}, nil
		}})
	if err != nil {
		return b, fmt.Errorf("privacy ledger: %w", err)
	}
	b.SpentEpsilon += epsilon
	b.SpentDelta += delta
	b.Spends++
	l.spent[account] = candor.PrivacyBudget{SpentEpsilon: b.SpentEpsilon, SpentDelta: b.SpentDelta, Spends: b.Spends}
	return b, nil
}

// lease takes the ledger's lease on a shared store, waiting up to five
// seconds for another node's spend to finish.
func (l *Ledger) lease(ctx context.Context, leaser candor.Leaser) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok, err := leaser.AcquireLease(ctx, ledgerLease, l.holder, 30*time.Second)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return candor.Errorf(candor.EUNAVAILABLE, "the privacy ledger is busy on another node; try again")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// formatDelta writes δ counted in 10⁻¹⁵.
func formatDelta(d int64) string {
	if d == 0 {
		return "0"
	}
	return fmt.Sprintf("%.3g", float64(d)*1e-15)
}
