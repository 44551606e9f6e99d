package scoring

import (
	"context"
	"fmt"

	"github.com/candor-project/candor"
)

// History is the history of scorecard versions the console lists
// (candor.VersionHistory): every published version, those a server
// serves marked active, and the proposals awaiting approval.
type History struct {
	registry *Registry
	cat      *candor.Catalogue
	served   *Published
}

// NewHistory returns the history of the versions in registry, with the
// versions served active (served's active set when the history is read,
// which follows its Set) marked active.
func NewHistory(registry *Registry, cat *candor.Catalogue, served *Published) *History {
	return &History{registry: registry, cat: cat, served: served}
}

// Versions returns every published version, then every proposal awaiting
// approval, with who proposed and approved each stored one and the latest
// fairness audit recorded of it.
func (h *History) Versions(ctx context.Context) ([]*candor.ScorecardVersion, error) {
	published, proposed, err := h.compiled(ctx)
	if err != nil {
		return nil, err
	}
	var out []*candor.ScorecardVersion
	for _, v := range published {
		out = append(out, v.ScorecardVersion)
	}
	for _, v := range proposed {
		out = append(out, v.ScorecardVersion)
	}
	return out, nil
}

// Compiled returns version v of scorecard id, published or proposed.
// Errors: ENOTFOUND.
func (h *History) Compiled(ctx context.Context, id string, v int) (*Compiled, error) {
	published, proposed, err := h.compiled(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range append(published, proposed...) {
		if sc := x.card.Scorecard(); sc.ID == id && sc.Version == v {
			return x.card, nil
		}
	}
	return nil, candor.Errorf(candor.ENOTFOUND, "no scorecard %s version %d is published or proposed", id, v)
}

// historic is a listed version with its compiled scorecard.
type historic struct {
	*candor.ScorecardVersion
	card *Compiled
}

func (h *History) compiled(ctx context.Context) (published, proposed []historic, err error) {
	_, all, err := h.registry.Published(ctx)
	if err != nil {
		return nil, nil, err
	}
	stored, err := h.registry.Versions(ctx)
	if err != nil {
		return nil, nil, err
	}
	audit, err := h.registry.audits(ctx)
	if err != nil {
		return nil, nil, err
	}
	record := map[candor.ScorecardKey]*Version{}
	for _, v := range stored {
		record[candor.KeyOf(v.ID, v.Version)] = v
	}
	listed := func(c *Compiled, state candor.VersionState) (historic, error) {
		v := &candor.ScorecardVersion{Scorecard: c.Scorecard(), State: state, Shipped: true}
		if rec := record[c.Key()]; rec != nil {
			v.Shipped = false
			v.ProposedBy, v.ProposedAt, v.ApprovedBy, v.ApprovedAt = rec.ProposedBy, rec.ProposedAt, rec.ApprovedBy, rec.ApprovedAt
			var err error
			if v.Audit, err = audit(rec.ID, rec.Version, rec.Source); err != nil {
				return historic{}, err
			}
		}
		return historic{v, c}, nil
	}
	served := h.served.Snapshot()
	for _, c := range all {
		state := candor.VersionSuperseded
		if served.IsActive(c.Key()) {
			state = candor.VersionActive
		}
		x, err := listed(c, state)
		if err != nil {
			return nil, nil, err
		}
		published = append(published, x)
	}
	for _, v := range stored {
		if v.ApprovedBy != "" {
			continue
		}
		c, err := Load(v.File, v.Source, h.cat)
		if err != nil {
			return nil, nil, fmt.Errorf("proposed scorecard %s version %d: %w", v.ID, v.Version, err)
		}
		x, err := listed(c, candor.VersionProposed)
		if err != nil {
			return nil, nil, err
		}
		proposed = append(proposed, x)
	}
	return published, proposed, nil
}
