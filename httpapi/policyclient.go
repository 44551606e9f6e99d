package httpapi

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/candor-project/candor"
)

// PolicyClient is the policy administrators' administration over the API
// of a running server (candor.Policy), acting with one administrator's
// key, or with an operator's to bootstrap the first two. What it returns
// is what the API shows: a version's scorecard carries its ID, version
// and title only, and an act its number, kind, time, actor and the key it
// is about.
type PolicyClient struct{ client }

var _ candor.Policy = (*PolicyClient)(nil)

// NewPolicyClient returns a client of the server at base acting with the
// API key token. c nil means http.DefaultClient.
func NewPolicyClient(base, token string, c *http.Client) (*PolicyClient, error) {
	cl, err := newClient(base, token, c)
	if err != nil {
		return nil, err
	}
	return &PolicyClient{cl}, nil
}

func (v VersionJSON) version() (*candor.ScorecardVersion, error) {
	state := candor.VersionState(v.State)
	switch state {
	case candor.VersionActive, candor.VersionSuperseded, candor.VersionProposed:
	default:
		return nil, candor.Errorf(candor.EUNAVAILABLE, "the server names an unknown version state %q", candor.Clip(v.State, 40))
	}
	out := &candor.ScorecardVersion{Scorecard: &candor.Scorecard{ID: printable(v.ID), Version: v.Version, Title: printable(v.Title)},
		State: state, Shipped: v.Shipped, ProposedBy: printable(v.ProposedBy), ApprovedBy: printable(v.ApprovedBy)}
	if v.ProposedAt != nil {
		out.ProposedAt = *v.ProposedAt
	}
	if v.ApprovedAt != nil {
		out.ApprovedAt = *v.ApprovedAt
	}
	out.Audit = v.Audit.audit()
	return out, nil
}

// audit is the recorded audit a answers, with its strings made printable.
func (a *AuditJSON) audit() *candor.FairnessAudit {
	if a == nil {
		return nil
	}
	out := a.FairnessAudit
	out.Scorecard, out.Source = printable(out.Scorecard), printable(out.Source)
	out.N, out.By, out.At = a.Act, printable(a.By), a.At
	out.Cutoffs = slices.Clone(out.Cutoffs)
	for i := range out.Cutoffs {
		c := &out.Cutoffs[i]
		c.Benefit, c.Grade = printable(c.Benefit), printable(c.Grade)
		c.Attributes = slices.Clone(c.Attributes)
		for j := range c.Attributes {
			at := &c.Attributes[j]
			at.Attribute = printable(at.Attribute)
			at.Groups = slices.Clone(at.Groups)
			for k := range at.Groups {
				at.Groups[k].Group = printable(at.Groups[k].Group)
			}
		}
	}
	return &out
}

// Audit implements candor.Policy; by is ignored. Line ends are sent as
// newlines.
func (c *PolicyClient) Audit(ctx context.Context, _ *candor.APIKey, id string, version int, sample, protected []byte) (*candor.FairnessAudit, error) {
	var out struct {
		Audit *AuditJSON `json:"audit"`
	}
	crlf := strings.NewReplacer("\r\n", "\n")
	req := AuditRequest{Sample: crlf.Replace(string(sample)), Protected: crlf.Replace(string(protected))}
	if err := c.do(ctx, "POST", "/v1/policy/scorecards/"+url.PathEscape(id)+"/versions/"+strconv.Itoa(version)+"/audits", req, &out); err != nil {
		return nil, err
	}
	if out.Audit == nil {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "the server answered no audit")
	}
	return out.Audit.audit(), nil
}

func (a AdminActJSON) act() (*candor.AdminAct, error) {
	kind, ok := candor.ParseAdminActKind(a.Act)
	if !ok {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "the server names an unknown act %q", candor.Clip(a.Act, 40))
	}
	return &candor.AdminAct{N: a.N, Kind: kind, At: a.At, By: printable(a.By), Key: printable(a.Key), Principal: printable(a.Principal)}, nil
}

// Versions lists every published version and every proposal.
func (c *PolicyClient) Versions(ctx context.Context) ([]*candor.ScorecardVersion, error) {
	var out struct {
		Versions []VersionJSON `json:"versions"`
	}
	if err := c.do(ctx, "GET", "/v1/policy/scorecards", nil, &out); err != nil {
		return nil, err
	}
	vs := make([]*candor.ScorecardVersion, len(out.Versions))
	for i, v := range out.Versions {
		var err error
		if vs[i], err = v.version(); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// Propose implements candor.Policy; by is ignored: the client acts with
// its own key.
func (c *PolicyClient) Propose(ctx context.Context, _ *candor.APIKey, file string, source []byte) (*candor.ScorecardVersion, error) {
	return c.versionAnswer(ctx, "POST", "/v1/policy/scorecards", ProposalRequest{File: file, Source: string(source)})
}

// Approve implements candor.Policy; by is ignored.
func (c *PolicyClient) Approve(ctx context.Context, _ *candor.APIKey, id string, version int) (*candor.ScorecardVersion, error) {
	return c.versionAnswer(ctx, "POST", "/v1/policy/scorecards/"+url.PathEscape(id)+"/versions/"+strconv.Itoa(version)+"/approval", nil)
}

func (c *PolicyClient) versionAnswer(ctx context.Context, method, path string, body any) (*candor.ScorecardVersion, error) {
	var out struct {
		Version VersionJSON `json:"version"`
	}
	if err := c.do(ctx, method, path, body, &out); err != nil {
		return nil, err
	}
	return out.Version.version()
}

// MintKey implements candor.Policy: with the client's key an
// administrator's request, or a bootstrap with an operator's; by is
// ignored.
func (c *PolicyClient) MintKey(ctx context.Context, _ *candor.APIKey, name string) (string, *candor.APIKey, *candor.AdminAct, error) {
	var out MintedKeyJSON
	if err := c.do(ctx, "POST", "/v1/policy/keys", PolicyKeyRequest{Name: name}, &out); err != nil {
		return "", nil, nil, err
	}
	key, err := out.Key.key()
	if err != nil {
		return "", nil, nil, err
	}
	act, err := out.Act.act()
	if err != nil {
		return "", nil, nil, err
	}
	return out.Token, key, act, nil
}

// ApproveKey implements candor.Policy; by is ignored.
func (c *PolicyClient) ApproveKey(ctx context.Context, _ *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	return c.actAnswer(ctx, "POST", "/v1/policy/keys/"+url.PathEscape(keyID)+"/approval")
}

// RevokeKey implements candor.Policy; by is ignored.
func (c *PolicyClient) RevokeKey(ctx context.Context, _ *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	return c.actAnswer(ctx, "DELETE", "/v1/policy/keys/"+url.PathEscape(keyID))
}

func (c *PolicyClient) actAnswer(ctx context.Context, method, path string) (*candor.AdminAct, error) {
	var out struct {
		Act AdminActJSON `json:"act"`
	}
	if err := c.do(ctx, method, path, nil, &out); err != nil {
		return nil, err
	}
	return out.Act.act()
}

// Acts lists the administrative acts (GET /v1/admin-acts, public), with
// who acted with which key and on what.
func (c *PolicyClient) Acts(ctx context.Context) ([]*candor.AdminAct, error) {
	var out struct {
		Acts []adminActJSON `json:"acts"`
	}
	if err := c.do(ctx, "GET", "/v1/admin-acts", nil, &out); err != nil {
		return nil, err
	}
	acts := make([]*candor.AdminAct, len(out.Acts))
	for i, a := range out.Acts {
		act, err := AdminActJSON{N: a.N, Act: a.Act, At: a.At, By: a.By, Key: a.Key, Principal: a.Principal}.act()
		if err != nil {
			return nil, err
		}
		act.ByKey, act.Scorecard, act.Version = printable(a.ByKey), printable(a.Scorecard), a.Version
		if a.Source != "" {
			sum, err := hex.DecodeString(a.Source)
			if err != nil || len(sum) != len(act.Source) {
				return nil, candor.Errorf(candor.EUNAVAILABLE, "act %d: source_sha256 %q is not a SHA-256 in hex", a.N, candor.Clip(a.Source, 80))
			}
			copy(act.Source[:], sum)
		}
		if a.Audit != "" {
			sum, err := hex.DecodeString(a.Audit)
			if err != nil || len(sum) != len(act.Audit) {
				return nil, candor.Errorf(candor.EUNAVAILABLE, "act %d: audit_sha256 %q is not a SHA-256 in hex", a.N, candor.Clip(a.Audit, 80))
			}
			copy(act.Audit[:], sum)
		}
		acts[i] = act
	}
	return acts, nil
}
