package scoring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/candor-project/candor"
)

// Fairness audits of stored versions (candor.FairnessAudit): the summary is
// kept in meta under the hex SHA-256 of its bytes, and an administrative
// act names the version, its source's hash and the summary's hash, so that
// a summary altered in the store no longer counts.

func auditKey(sum [32]byte) string { return "scorecards/audits/" + hex.EncodeToString(sum[:]) }

// Stored returns stored version v of scorecard id, proposed or approved,
// compiled. Errors: ENOTFOUND; EINVALID when it no longer compiles.
func (r *Registry) Stored(ctx context.Context, id string, v int) (*Version, *Compiled, error) {
	ver, err := r.get(ctx, versionKey(id, v))
	if err != nil {
		return nil, nil, err
	}
	c, err := Load(ver.File, ver.Source, r.cat)
	if err != nil {
		return nil, nil, err
	}
	return ver, c, nil
}

// RecordAudit records a, the audit of stored version a.Version of
// a.Scorecard, done with admin's key: its summary in meta and an
// administrative act binding it to the version's source. It fills in
// a.N, a.By and a.At from the act. Errors: ENOTFOUND for no such stored
// version; ECONFLICT when a.Source is not the stored version's source's
// hash (the version audited is not the one stored); EFORBIDDEN for a key
// that does not stand, or without Acts.
func (r *Registry) RecordAudit(ctx context.Context, admin *candor.APIKey, a *candor.FairnessAudit) error {
	if _, err := policyAdmin(admin, "record fairness audits"); err != nil {
		return err
	}
	if r.acts == nil {
		return candor.Errorf(candor.EFORBIDDEN, "fairness audits are recorded only with a record of administrative acts")
	}
	v, err := r.get(ctx, versionKey(a.Scorecard, a.Version))
	if err != nil {
		return err
	}
	src := sha256.Sum256(v.Source)
	if a.Source != hex.EncodeToString(src[:]) {
		return candor.Errorf(candor.ECONFLICT, "the audit is of source %s, but %s version %d as stored has source %x", candor.Clip(a.Source, 64), a.Scorecard, a.Version, src)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	// The summary first: without its act it counts for nothing.
	if err := r.meta.PutMeta(ctx, auditKey(sum), data); err != nil {
		return err
	}
	act := &candor.AdminAct{Kind: candor.ActScorecardAudited, Scorecard: a.Scorecard, Version: a.Version, Source: src, Audit: sum}
	if err := r.acts.Act(ctx, admin, act); err != nil {
		return err
	}
	a.N, a.By, a.At = act.N, act.By, act.At
	return nil
}

// audits returns a lookup of the latest audit recorded of each version's
// source: the act last recorded for it whose summary is in meta with the
// hash the act names. Without Acts, none. Errors: those of Acts and meta;
// EINTERNAL for a summary whose bytes no longer hash to its act's.
func (r *Registry) audits(ctx context.Context) (func(id string, version int, source []byte) (*candor.FairnessAudit, error), error) {
	type which struct {
		id      string
		version int
		source  [32]byte
	}
	latest := map[which]*candor.AdminAct{}
	if r.acts != nil {
		acts, err := r.acts.Acts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range acts {
			if a.Kind == candor.ActScorecardAudited {
				latest[which{a.Scorecard, a.Version, a.Source}] = a
			}
		}
	}
	return func(id string, version int, source []byte) (*candor.FairnessAudit, error) {
		act := latest[which{id, version, sha256.Sum256(source)}]
		if act == nil {
			return nil, nil
		}
		data, err := r.meta.GetMeta(ctx, auditKey(act.Audit))
		if err != nil {
			return nil, fmt.Errorf("scoring: the summary of audit act %d: %w", act.N, err)
		}
		var a candor.FairnessAudit
		if sha256.Sum256(data) != act.Audit || json.Unmarshal(data, &a) != nil || a.Scorecard != id || a.Version != version {
			return nil, candor.Errorf(candor.EINTERNAL, "the stored summary of audit act %d does not match the act: it was altered", act.N)
		}
		a.N, a.By, a.At = act.N, act.By, act.At
		return &a, nil
	}, nil
}

// LatestAudit returns the latest audit recorded of stored version v of
// scorecard id as stored, or nil if there is none. Errors: ENOTFOUND for
// no such stored version; those of audits.
func (r *Registry) LatestAudit(ctx context.Context, id string, v int) (*candor.FairnessAudit, error) {
	ver, err := r.get(ctx, versionKey(id, v))
	if err != nil {
		return nil, err
	}
	find, err := r.audits(ctx)
	if err != nil {
		return nil, err
	}
	return find(id, v, ver.Source)
}

// NeedsAudit reports whether sc is approved only after a fairness audit:
// every version, of rules or of characteristics, for a purpose that rests
// on consent (credit, rental). A rule scorecard treats groups no less
// differently for having been written by hand.
func NeedsAudit(sc *candor.Scorecard) bool {
	return sc.Purpose.RestsOnConsent()
}

// AuditSummary returns the summary of the audit act n recorded, exactly as
// stored, so that anyone can check it against the act's hash: it holds
// group-level counts and rates only. Errors: ENOTFOUND when act n is not
// an audit; EINTERNAL for a summary whose bytes no longer hash to its
// act's; those of Acts and meta.
func (r *Registry) AuditSummary(ctx context.Context, n uint64) ([]byte, error) {
	if r.acts == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "no audit act %d", n)
	}
	acts, err := r.acts.Acts(ctx)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > uint64(len(acts)) || acts[n-1].Kind != candor.ActScorecardAudited {
		return nil, candor.Errorf(candor.ENOTFOUND, "administrative act %d is not a fairness audit", n)
	}
	act := acts[n-1]
	data, err := r.meta.GetMeta(ctx, auditKey(act.Audit))
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(data) != act.Audit {
		return nil, candor.Errorf(candor.EINTERNAL, "the stored summary of audit act %d does not match the act: it was altered", n)
	}
	return data, nil
}
