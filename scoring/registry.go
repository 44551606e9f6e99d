package scoring

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// Registry keeps the versions of scorecards beyond the shipped ones in the
// store's meta table: proposals, approvals and so which version is active.
// Every proposal and approval is also an administrative act, recorded
// through Acts (WithActs), which checks that the key acting is an
// administrator's the chain of acts minted: without Acts, nothing can be
// proposed or approved.
// A stored version is never rewritten, so an active version is immutable.
// Proposing and approving take a policy administrator's API key
// (candor.RolePolicyAdmin), authenticated by the caller, and activating a
// version takes a second administrator (the two-person rule): whoever
// proposed a version cannot approve it, however their name is spelt
// (principals are compared as candor.NormalisePrincipal makes them). Both
// are recorded with the key. Shipped scorecards count as
// approved version 1s.
type Registry struct {
	meta     candor.Meta
	cat      *candor.Catalogue
	acts     Acts
	compiled *compiledCache // shared by WithActs' copies
}

// compiledCache keeps what Published compiled, by file name and source:
// nodes ask for the published set every few seconds (app's scorecard
// check), and compiling every version's YAML and CEL again each time was
// a steady share of a serving node's CPU. A compiled scorecard is never
// modified, so one may be served from several sets. Entries are the
// shipped scorecards and the stored versions, which are never rewritten
// or deleted: the cache is bounded by what the store holds.
type compiledCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*Compiled
}

// load is Load(file, source, cat), compiled once per file name and
// source. cat MUST be the same on every call (the registry's).
func (c *compiledCache) load(file string, source []byte, cat *candor.Catalogue) (*Compiled, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00", len(file), file)
	h.Write(source)
	k := [sha256.Size]byte(h.Sum(nil))
	c.mu.Lock()
	got, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return got, nil
	}
	got, err := Load(file, source, cat)
	if err != nil {
		return nil, err // not kept: an error is rare and reported each time
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[[sha256.Size]byte]*Compiled{}
	}
	c.m[k] = got
	c.mu.Unlock()
	return got, nil
}

// Acts records administrative acts (admins.Service is one).
type Acts interface {
	// Acts returns every act, in order, once their chain verifies.
	Acts(ctx context.Context) ([]*candor.AdminAct, error)
	// Act records act, done with key, once it has checked that key is a
	// standing administrator's, filling in who did it and when. Errors:
	// EFORBIDDEN for a key that is not.
	Act(ctx context.Context, key *candor.APIKey, act *candor.AdminAct) error
}

// WithActs returns r recording its proposals and approvals through a.
func (r *Registry) WithActs(a Acts) *Registry {
	out := *r
	out.acts = a
	return &out
}

// act records a proposal or an approval through r's Acts. Errors:
// EFORBIDDEN without Acts, or those of Acts.Act.
func (r *Registry) act(ctx context.Context, admin *candor.APIKey, kind candor.AdminActKind, sc *candor.Scorecard, source []byte) error {
	if r.acts == nil {
		return candor.Errorf(candor.EFORBIDDEN, "scorecard versions are proposed and approved only with a record of administrative acts")
	}
	return r.acts.Act(ctx, admin, &candor.AdminAct{Kind: kind, Scorecard: sc.ID, Version: sc.Version, Source: sha256.Sum256(source)})
}

// NewRegistry returns the registry kept in meta, compiling against cat.
func NewRegistry(meta candor.Meta, cat *candor.Catalogue) *Registry {
	return &Registry{meta: meta, cat: cat, compiled: &compiledCache{}}
}

// Version is a stored scorecard version and its approval record.
type Version struct {
	ID          string    `json:"id"`
	Version     int       `json:"version"`
	File        string    `json:"file"`
	Source      []byte    `json:"source"`
	ProposedBy  string    `json:"proposed_by"`
	ProposedKey string    `json:"proposed_key"` // the ID of the API key it was proposed with
	ProposedAt  time.Time `json:"proposed_at"`
	ApprovedBy  string    `json:"approved_by,omitempty"`
	ApprovedKey string    `json:"approved_key,omitempty"`
	ApprovedAt  time.Time `json:"approved_at,omitzero"`
}

const indexKey = "scorecards/index"

func versionKey(id string, v int) string { return fmt.Sprintf("scorecards/%s/%d", id, v) }

// Published returns the active version of every scorecard (the highest
// approved one) and every approved version, old ones included, so that
// scores under them stay available. With Acts, a stored version counts as
// approved only if an administrative act approved that version with that
// source: one marked approved in the store behind the acts' back is not
// published.
func (r *Registry) Published(ctx context.Context) (active, all []*Compiled, err error) {
	all, err = shippedWith(r.cat, r.compiled.load)
	if err != nil {
		return nil, nil, err
	}
	versions, err := r.Versions(ctx)
	if err != nil {
		return nil, nil, err
	}
	approved, err := r.approved(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range versions {
		if !approved(v) {
			continue
		}
		c, err := r.compiled.load(v.File, v.Source, r.cat)
		if err != nil {
			return nil, nil, fmt.Errorf("scorecard %s version %d no longer compiles: %w", v.ID, v.Version, err)
		}
		all = append(all, c)
	}
	latest := map[string]*Compiled{}
	for _, c := range all {
		if cur := latest[c.Scorecard().ID]; cur == nil || c.Scorecard().Version > cur.Scorecard().Version {
			latest[c.Scorecard().ID] = c
		}
	}
	for _, c := range all {
		if latest[c.Scorecard().ID] == c {
			active = append(active, c)
		}
	}
	return active, all, nil
}

// Versions returns every stored version, proposed or approved, in the
// order they were proposed.
func (r *Registry) Versions(ctx context.Context) ([]*Version, error) {
	keys, err := r.index(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(keys))
	for _, k := range keys {
		v, err := r.get(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Propose stores source, a scorecard file called name, as a new version
// awaiting approval. It must compile and be numbered above every version of
// its scorecard, shipped or stored. admin is the authenticated key of the
// administrator proposing it. Errors: EINVALID; EFORBIDDEN for a key that
// is not a policy administrator's (standing, see Acts), or without Acts.
func (r *Registry) Propose(ctx context.Context, name string, source []byte, admin *candor.APIKey, now time.Time) (*Compiled, error) {
	who, err := policyAdmin(admin, "propose scorecard versions")
	if err != nil {
		return nil, err
	}
	c, err := Load(name, source, r.cat)
	if err != nil {
		return nil, err
	}
	sc := c.Scorecard()
	_, all, err := r.Published(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := r.Versions(ctx)
	if err != nil {
		return nil, err
	}
	highest := 0
	for _, p := range all {
		if p.Scorecard().ID == sc.ID {
			highest = max(highest, p.Scorecard().Version)
		}
	}
	for _, v := range stored {
		if v.ID == sc.ID {
			highest = max(highest, v.Version)
		}
	}
	if highest == 0 {
		return nil, candor.Errorf(candor.EINVALID, "%s: there is no scorecard %s to make a new version of", name, sc.ID)
	}
	if sc.Version <= highest {
		return nil, candor.Errorf(candor.EINVALID, "%s: version %d of %s exists or was proposed; number this one %d", name, sc.Version, sc.ID, highest+1)
	}
	if err := r.act(ctx, admin, candor.ActScorecardProposed, sc, source); err != nil {
		return nil, err
	}
	v := &Version{ID: sc.ID, Version: sc.Version, File: name, Source: source, ProposedBy: who, ProposedKey: admin.ID, ProposedAt: now.UTC()}
	if err := r.put(ctx, v); err != nil {
		return nil, err
	}
	keys, err := r.index(ctx)
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(append(keys, versionKey(v.ID, v.Version)))
	return c, r.meta.PutMeta(ctx, indexKey, data)
}

// Approve activates a proposed version; admin is the authenticated key of
// the administrator approving it. Errors: ENOTFOUND for no such proposal,
// EFORBIDDEN for a key that is not a policy administrator's (standing,
// see Acts), without Acts, or for a key whose holder proposed the version
// (the two-person rule) or for a version NeedsAudit says needs a fairness
// audit that none of its source was recorded for, ECONFLICT when it was
// approved already, EINVALID when it no longer compiles.
func (r *Registry) Approve(ctx context.Context, id string, version int, admin *candor.APIKey, now time.Time) (*Compiled, error) {
	who, err := policyAdmin(admin, "approve scorecard versions")
	if err != nil {
		return nil, err
	}
	v, err := r.get(ctx, versionKey(id, version))
	if err != nil {
		return nil, err
	}
	if r.acts == nil {
		return nil, candor.Errorf(candor.EFORBIDDEN, "scorecard versions are proposed and approved only with a record of administrative acts")
	}
	acts, err := r.acts.Acts(ctx)
	if err != nil {
		return nil, err
	}
	// Who proposed it is what the acts say, not the stored version.
	sum := sha256.Sum256(v.Source)
	proposer := ""
	for _, a := range acts {
		if a.Scorecard == id && a.Version == version && a.Source == sum {
			switch a.Kind {
			case candor.ActScorecardProposed:
				proposer = a.By
			case candor.ActScorecardApproved:
				return nil, candor.Errorf(candor.ECONFLICT, "%s version %d was approved by %s at %s", id, version, a.By, a.At.Format(time.RFC3339))
			}
		}
	}
	switch {
	case proposer == "":
		return nil, candor.Errorf(candor.EFORBIDDEN, "no administrative act proposed %s version %d as stored: propose it again", id, version)
	case who == proposer:
		return nil, candor.Errorf(candor.EFORBIDDEN, "%s proposed %s version %d and cannot also approve it: a second administrator must", who, id, version)
	}
	c, err := Load(v.File, v.Source, r.cat)
	if err != nil {
		return nil, err
	}
	if NeedsAudit(c.Scorecard()) {
		find, err := r.audits(ctx)
		if err != nil {
			return nil, err
		}
		audit, err := find(id, version, v.Source)
		if err != nil {
			return nil, err
		}
		if audit == nil {
			return nil, candor.Errorf(candor.EFORBIDDEN, "%s version %d is for %s, a purpose resting on consent, and no fairness audit of it was recorded: "+
				"audit it first (candor policy audit %s %d --sample FILE --protected FILE)", id, version, c.Scorecard().Purpose, id, version)
		}
	}
	if err := r.act(ctx, admin, candor.ActScorecardApproved, c.Scorecard(), v.Source); err != nil {
		return nil, err
	}
	v.ApprovedBy, v.ApprovedKey, v.ApprovedAt = who, admin.ID, now.UTC()
	if err := r.put(ctx, v); err != nil {
		return nil, err
	}
	return c, nil
}

// approved returns whether a stored version is approved: with Acts, when
// an act approved its ID, version and source; without, when it says so.
func (r *Registry) approved(ctx context.Context) (func(*Version) bool, error) {
	if r.acts == nil {
		return func(v *Version) bool { return v.ApprovedBy != "" }, nil
	}
	acts, err := r.acts.Acts(ctx)
	if err != nil {
		return nil, err
	}
	type approval struct {
		id      string
		version int
		source  [32]byte
	}
	by := map[approval]bool{}
	for _, a := range acts {
		if a.Kind == candor.ActScorecardApproved {
			by[approval{a.Scorecard, a.Version, a.Source}] = true
		}
	}
	return func(v *Version) bool {
		return v.ApprovedBy != "" && by[approval{v.ID, v.Version, sha256.Sum256(v.Source)}]
	}, nil
}

// policyAdmin returns the normalised principal of k if it is a valid
// policy administrator's key. Errors: EFORBIDDEN.
func policyAdmin(k *candor.APIKey, what string) (string, error) {
	forbidden := candor.Errorf(candor.EFORBIDDEN, "only a policy administrator's key may %s", what)
	if k == nil || k.Role != candor.RolePolicyAdmin || k.Revoked() {
		return "", forbidden
	}
	who, err := candor.NormalisePrincipal(k.Principal)
	if err != nil {
		return "", forbidden
	}
	return who, nil
}

func materialisedKey(c *Compiled) string {
	return versionKey(c.card.ID, c.card.Version) + "/materialised"
}

// Materialised reports whether the store holds the matches of every stored
// event with c, so that c's scores can be read from them: true from
// MarkMaterialised, after a pass over the population stored them, until a
// later version of the scorecard is marked so (the writers may then match
// new events with that version only).
func (r *Registry) Materialised(ctx context.Context, c *Compiled) (bool, error) {
	v, err := r.meta.GetMeta(ctx, materialisedKey(c))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return false, nil
	}
	return len(v) > 0, err
}

// MarkMaterialised records that the store holds the matches of every
// stored event with c, and that the earlier versions of its scorecard are
// no longer kept complete; see Materialised.
func (r *Registry) MarkMaterialised(ctx context.Context, c *Compiled, now time.Time) error {
	if err := r.meta.PutMeta(ctx, materialisedKey(c), []byte(now.UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	for v := 1; v < c.card.Version; v++ {
		if err := r.meta.PutMeta(ctx, versionKey(c.card.ID, v)+"/materialised", nil); err != nil {
			return err
		}
	}
	return nil
}

// Fence returns the bound recorded for c by SetFence: the event ID at or
// below which the events were stored before the writers matched them with
// c (candor.MatchFence). ok is false if none is recorded.
func (r *Registry) Fence(ctx context.Context, c *Compiled) (bound candor.EventID, ok bool, err error) {
	v, err := r.meta.GetMeta(ctx, versionKey(c.card.ID, c.card.Version)+"/fence")
	switch {
	case candor.ErrorCode(err) == candor.ENOTFOUND:
		return 0, false, nil
	case err != nil:
		return 0, false, err
	case len(v) != 8:
		return 0, false, fmt.Errorf("scoring: the match fence of %s v%d is malformed", c.card.ID, c.card.Version)
	}
	return candor.EventID(binary.BigEndian.Uint64(v)), true, nil
}

// SetFence records bound for c; see Fence.
func (r *Registry) SetFence(ctx context.Context, c *Compiled, bound candor.EventID) error {
	return r.meta.PutMeta(ctx, versionKey(c.card.ID, c.card.Version)+"/fence", binary.BigEndian.AppendUint64(nil, uint64(bound)))
}

func (r *Registry) index(ctx context.Context) ([]string, error) {
	data, err := r.meta.GetMeta(ctx, indexKey)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("scoring: registry index: %w", err)
	}
	return slices.Clip(keys), nil
}

func (r *Registry) get(ctx context.Context, key string) (*Version, error) {
	data, err := r.meta.GetMeta(ctx, key)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, candor.Errorf(candor.ENOTFOUND, "no proposed scorecard version %s", strings.TrimPrefix(key, "scorecards/"))
	}
	if err != nil {
		return nil, err
	}
	var v Version
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("scoring: %s: %w", key, err)
	}
	return &v, nil
}

func (r *Registry) put(ctx context.Context, v *Version) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.meta.PutMeta(ctx, versionKey(v.ID, v.Version), data)
}
