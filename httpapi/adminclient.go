package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/candor-project/candor"
)

// AdminClient is the operator's administration over the API of a running
// server: the same methods as registrar.Service, for the CLI's --server.
type AdminClient struct{ client }

// client sends an administrator's requests to a running server.
type client struct {
	base  string
	token string
	http  *http.Client
}

// maxAnswer bounds an answer the client reads.
const maxAnswer = 8 << 20

// NewAdminClient returns a client of the server at base (scheme, host and
// port) acting with the operator's API key token. c nil means
// http.DefaultClient.
func NewAdminClient(base, token string, c *http.Client) (*AdminClient, error) {
	cl, err := newClient(base, token, c)
	if err != nil {
		return nil, err
	}
	return &AdminClient{cl}, nil
}

func newClient(base, token string, c *http.Client) (client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return client{}, candor.Errorf(candor.EINVALID, "server %q: want a URL such as https://candor.example:8080", candor.Clip(base, 80))
	}
	if c == nil {
		c = http.DefaultClient
	}
	return client{base: strings.TrimRight(base, "/"), token: strings.TrimSpace(token), http: c}, nil
}

// do sends body (nil for none) as JSON and reads a 2xx answer into out;
// any other answer is returned as the *candor.Error it carries.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return candor.Errorf(candor.EUNAVAILABLE, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return candor.Errorf(candor.EUNAVAILABLE, "%s %s: reading the answer: %v", method, path, err)
	}
	return decodeAnswer(resp.StatusCode, raw, out)
}

// decodeAnswer reads a server's answer: for a 2xx status, the JSON object
// into out; for another, the API's error shape into a *candor.Error.
// Errors: EUNAVAILABLE for an answer that is neither.
func decodeAnswer(status int, raw []byte, out any) error {
	if status >= 200 && status < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return candor.Errorf(candor.EUNAVAILABLE, "the server's answer is not the JSON expected: %v", err)
		}
		return nil
	}
	var e errorBody
	if err := json.Unmarshal(raw, &e); err != nil || e.Code == "" || candor.HTTPStatus(e.Code) != status {
		return candor.Errorf(candor.EUNAVAILABLE, "the server answered %d without an error of this API: %q", status, candor.Clip(string(raw), 200))
	}
	for i := range e.Details {
		e.Details[i].Field, e.Details[i].Reason = printable(e.Details[i].Field), printable(e.Details[i].Reason)
	}
	return &candor.Error{Code: e.Code, Message: printable(e.Message), Details: e.Details}
}

// printable is s, from a server, fit for an operator's terminal (the CLI
// prints what the client returns): clipped,
// and quoted if it holds a control character or a bidirectional override.
func printable(s string) string {
	s = candor.Clip(s, 1000)
	if _, at := candor.ForbiddenRune(s, false); at >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// PutSource registers or updates src on the server and fills it in as
// stored (types expanded, creation time).
func (c *AdminClient) PutSource(ctx context.Context, src *candor.Source) error {
	var out struct {
		Source SourceJSON `json:"source"`
	}
	err := c.do(ctx, "PUT", "/v1/admin/sources/"+url.PathEscape(src.ID),
		SourceRequest{Name: src.Name, Kind: src.Kind.String(), Types: src.AllowedTypes}, &out)
	if err != nil {
		return err
	}
	got, err := out.Source.source()
	if err != nil {
		return err
	}
	*src = *got
	return nil
}

func (v SourceJSON) source() (*candor.Source, error) {
	kind, ok := candor.ParseSourceKind(v.Kind)
	if !ok {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "the server names an unknown kind of source %q", candor.Clip(v.Kind, 40))
	}
	types := make([]string, len(v.Types))
	for i, t := range v.Types {
		types[i] = printable(t)
	}
	return &candor.Source{ID: printable(v.ID), Name: printable(v.Name), Kind: kind, AllowedTypes: types, CreatedAt: v.CreatedAt}, nil
}

// Sources lists the sources registered on the server.
func (c *AdminClient) Sources(ctx context.Context) ([]*candor.Source, error) {
	var out struct {
		Sources []SourceJSON `json:"sources"`
	}
	if err := c.do(ctx, "GET", "/v1/admin/sources", nil, &out); err != nil {
		return nil, err
	}
	srcs := make([]*candor.Source, len(out.Sources))
	for i, v := range out.Sources {
		src, err := v.source()
		if err != nil {
			return nil, err
		}
		srcs[i] = src
	}
	return srcs, nil
}

// PutRelyingParty registers or updates rp on the server.
func (c *AdminClient) PutRelyingParty(ctx context.Context, rp *candor.RelyingParty) error {
	var out struct {
		RelyingParty *candor.RelyingParty `json:"relying_party"`
	}
	err := c.do(ctx, "PUT", "/v1/admin/relying-parties/"+url.PathEscape(rp.ID),
		RelyingPartyRequest{Name: rp.Name, Purposes: purposeNames(rp.Purposes), Statutory: purposeNames(rp.Statutory)}, &out)
	if err == nil && out.RelyingParty != nil {
		*rp = *out.RelyingParty
		rp.ID, rp.Name = printable(rp.ID), printable(rp.Name)
	}
	return err
}

// RelyingParties lists the relying parties registered on the server.
func (c *AdminClient) RelyingParties(ctx context.Context) ([]*candor.RelyingParty, error) {
	var out struct {
		RelyingParties []*candor.RelyingParty `json:"relying_parties"`
	}
	if err := c.do(ctx, "GET", "/v1/admin/relying-parties", nil, &out); err != nil {
		return nil, err
	}
	for _, rp := range out.RelyingParties {
		if rp == nil {
			return nil, candor.Errorf(candor.EUNAVAILABLE, "the server listed a relying party as null")
		}
		rp.ID, rp.Name = printable(rp.ID), printable(rp.Name)
	}
	return out.RelyingParties, nil
}

func (v KeyJSON) key() (*candor.APIKey, error) {
	role, ok := candor.ParseRole(v.Role)
	if !ok {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "the server names an unknown role %q", candor.Clip(v.Role, 40))
	}
	k := &candor.APIKey{ID: printable(v.ID), Role: role, Principal: printable(v.Principal), CreatedAt: v.CreatedAt}
	if v.RevokedAt != nil {
		k.RevokedAt = *v.RevokedAt
	}
	return k, nil
}

// Keys lists the server's API keys, without their hashes.
func (c *AdminClient) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	var out struct {
		Keys []KeyJSON `json:"keys"`
	}
	if err := c.do(ctx, "GET", "/v1/admin/keys", nil, &out); err != nil {
		return nil, err
	}
	keys := make([]*candor.APIKey, len(out.Keys))
	for i, v := range out.Keys {
		k, err := v.key()
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// IssueKey has the server make an API key for principal in role and
// returns its token, shown once.
func (c *AdminClient) IssueKey(ctx context.Context, role candor.Role, principal string) (string, *candor.APIKey, error) {
	var out IssuedKeyJSON
	if err := c.do(ctx, "POST", "/v1/admin/keys", KeyRequest{Role: role.String(), Principal: principal}, &out); err != nil {
		return "", nil, err
	}
	k, err := out.Key.key()
	if err != nil {
		return "", nil, err
	}
	if out.Token == "" {
		return "", nil, candor.Errorf(candor.EUNAVAILABLE, "the server issued key %s without its token", candor.Clip(k.ID, 40))
	}
	return out.Token, k, nil
}

// RevokeKey has the server revoke the key with ID id; revoked is false if
// it was revoked before.
func (c *AdminClient) RevokeKey(ctx context.Context, id string) (*candor.APIKey, bool, error) {
	var out RevokedKeyJSON
	if err := c.do(ctx, "DELETE", "/v1/admin/keys/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, false, err
	}
	k, err := out.Key.key()
	return k, out.Revoked, err
}

// Backup asks the server for an online backup (POST /v1/admin/backup)
// and returns the archive as it streams in; the caller closes it. An
// archive without its manifest at the end was cut short
// (app.ExtractBackup says so).
func (c *AdminClient) Backup(ctx context.Context) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/admin/backup", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "POST /v1/admin/backup: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		return nil, decodeAnswer(resp.StatusCode, raw, nil)
	}
	return resp.Body, nil
}
