package credentials

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Paths, under the issuer's URL, of what a verifier fetches.
const (
	MetadataPath   = "/.well-known/jwt-vc-issuer"
	StatusListPath = "/v1/credentials/status-list"
)

// Kind is what a credential is issued for.
type Kind string

const (
	// Shown is a QR code shown on the holder's screen: valid for
	// ShownValidity, with no status entry.
	Shown Kind = "shown"
	// Download is a credential the holder keeps: valid for
	// DownloadValidity, with a status entry.
	Download Kind = "download"
	// Badge is an organisation's compliance badge: valid for
	// BadgeValidity, with a status entry.
	Badge Kind = "badge"
)

// Validity of each kind of credential.
const (
	ShownValidity    = 5 * time.Minute
	DownloadValidity = 7 * 24 * time.Hour
	BadgeValidity    = 30 * 24 * time.Hour
)

func (k Kind) validity() time.Duration {
	return map[Kind]time.Duration{Shown: ShownValidity, Download: DownloadValidity, Badge: BadgeValidity}[k]
}

// Config wires a Service.
type Config struct {
	Store     candor.Store
	Vault     *vault.Vault
	Catalogue *candor.Catalogue
	// Scorecards are the served scorecard versions; statements of grades
	// are made under the active ones served when they are made (read
	// once per call). nil serves none.
	Scorecards *scoring.Published
	Key        *IssuerKey
	// Issuer is the issuer's identifier, the https URL verifiers fetch
	// its metadata and status list under (no trailing slash).
	Issuer string
	Now    func() time.Time // nil: time.Now
	// Access, if set, is where Deliver stores a credential with the
	// access record of its handing over (candor serve sets it); without
	// it, Deliver stores the credential on its own.
	Access IssuanceLog
	// Groups, if set, resolves linked identities (package identity):
	// statements about any member of a group are made from the group's
	// facts, and any of its identifiers may bind a credential. nil: every
	// subject stands alone.
	Groups interface {
		Members(ctx context.Context, id candor.SubjectID) ([]candor.SubjectID, error)
	}
}

// Service issues, lists and revokes credentials and keeps the status
// list. It is safe for concurrent use; one process at a time uses a
// store.
type Service struct {
	cfg    Config
	served atomic.Pointer[servedStatements] // derived from the last snapshot read

	build  sync.Mutex // one status list build at a time
	mu     sync.Mutex
	slots  map[int]bool // status list entries in use (nil: not read yet)
	list   string       // the signed status list, built at listAt
	listAt time.Time
	gen    int // counts revocations, so a build that read before one is not kept
}

// New returns a service for cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	return &Service{cfg: cfg}
}

// servedStatements are the statements made under one snapshot of the
// served scorecards.
type servedStatements struct {
	from       *scoring.Snapshot
	statements []*Statement
}

// current returns the statements made under the scorecards served now,
// derived again only when the served set has changed (scoring.Published
// makes a new snapshot on each Set). A call, or a pass over many
// subjects, uses one result throughout.
func (s *Service) current() *servedStatements {
	snap := s.cfg.Scorecards.Snapshot()
	if cur := s.served.Load(); cur != nil && cur.from == snap {
		return cur
	}
	cur := &servedStatements{from: snap, statements: Statements(snap.Active())}
	s.served.Store(cur)
	return cur
}

// Statements returns the published catalogue of statements, made under
// the scorecards served now.
func (s *Service) Statements() []*Statement { return s.current().statements }

// Metadata returns the issuer metadata verifiers fetch.
func (s *Service) Metadata() *Metadata { return s.cfg.Key.Metadata(s.cfg.Issuer) }

// StatusListURI is the one status list's URL.
func (s *Service) StatusListURI() string { return s.cfg.Issuer + StatusListPath }

// Offer is what a subject may put in a credential now.
type Offer struct {
	Kind candor.SubjectKind
	// Statements are the statements true of the subject now, with the
	// value a credential would carry, in catalogue order.
	Statements []Claim
	// Documents are the subject's identity documents, one of which the
	// holder may disclose to bind the credential to themselves.
	Documents []Document
}

// Offer returns what subject may put in a credential now. Errors:
// ENOTFOUND.
func (s *Service) Offer(ctx context.Context, subject candor.SubjectID) (*Offer, error) {
	sub, key, f, err := s.facts(ctx, subject, nil, nil)
	if err != nil {
		return nil, err
	}
	vals := evaluate(f.statements, f)
	o := &Offer{Kind: sub.Kind}
	for _, st := range f.statements {
		if v, ok := vals[st.Name]; ok {
			o.Statements = append(o.Statements, Claim{Name: st.Name, Value: v})
		}
	}
	rec, err := s.cfg.Store.Subject(ctx, subject)
	if err != nil {
		return nil, err
	}
	opened, err := key.OpenSubject(rec)
	if err != nil {
		return nil, err
	}
	ids, err := s.groupIdentifiers(ctx, key, opened)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		o.Documents = append(o.Documents, Document{Type: id.Scheme.String(), Number: id.Value})
	}
	return o, nil
}

// facts reads subject's record, key and facts. isCourt says which sources
// are courts (candor.Courts); nil reads the sources now, which a caller
// reading many subjects does once, not for each. Likewise served are the
// statements to make and the scorecards they are made under; nil takes
// those served now.
func (s *Service) facts(ctx context.Context, subject candor.SubjectID, isCourt func(string) bool, served *servedStatements) (*candor.SubjectRecord, *vault.SubjectKey, *facts, error) {
	sub, err := s.cfg.Store.Subject(ctx, subject)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := s.cfg.Vault.SubjectKey(ctx, subject)
	if err != nil {
		return nil, nil, nil, err
	}
	events, err := s.groupEvents(ctx, key)
	if err != nil {
		return nil, nil, nil, err
	}
	if isCourt == nil {
		if isCourt, err = s.courts(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	if served == nil {
		served = s.current()
	}
	return sub, key, &facts{subject: subject, kind: sub.Kind, cat: s.cfg.Catalogue, cards: served.from.Active(), statements: served.statements,
		events: events, isCourt: isCourt, now: s.cfg.Now().UTC()}, nil
}

// courts says which registered sources are courts.
func (s *Service) courts(ctx context.Context) (func(string) bool, error) {
	sources, err := s.cfg.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	return candor.Courts(sources), nil
}

// Request asks for a credential.
type Request struct {
	Kind       Kind
	Statements []string // names from the catalogue
	// Document is the scheme of the identity document to disclose
	// ("national_id", …), or "" for none.
	Document string
}

// Info is what the holder sees of a credential issued to them. It is
// stored sealed with the holder's key; the statements' values are kept so
// that the status list can tell when one stops being true.
type Info struct {
	ID         string    `json:"id"`
	Kind       Kind      `json:"kind"`
	IssuedAt   time.Time `json:"issued_at"`
	Expires    time.Time `json:"expires"`
	Statements []Claim   `json:"statements"`
	Document   string    `json:"document,omitempty"` // the scheme disclosed
	StatusIdx  int       `json:"status_idx"`         // -1: none
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	// Status is computed when read: valid, expired, revoked or suspended.
	Status string `json:"status,omitempty"`
}

// badgeStatements are what a badge says by default, if true.
var badgeStatements = []string{"business_compliance_grade", "registered_and_active"}

// Issued is a credential issued and not yet stored.
type Issued struct {
	Credential string // the SD-JWT
	// QR is the text of its QR code: Compact's, or for a badge the URL of
	// the organisation's public register entry with the badge in its
	// query (CompactURL), so that a phone's camera opens the entry.
	QR   string
	Info *Info
	// Records are the credential's record, sealed with the holder's key
	// Key, and its status list entry's: new, so they can be stored with a
	// WriteBatch, as the access record of the issuance is.
	Records []*candor.Record
	Key     *vault.SubjectKey
}

// Deliver issues a credential as Issue does and stores it, before it
// returns, with the access record disclose returns for handing it over,
// in one commit (through Config.Access; without it, on its own): a
// credential not stored could not be listed or revoked. Errors: those of
// Issue, disclose's (then nothing is stored), the store's.
func (s *Service) Deliver(ctx context.Context, subject candor.SubjectID, req Request, disclose candor.Disclose[*Issued]) (*Issued, error) {
	for try := 1; ; try++ {
		is, err := s.Issue(ctx, subject, req)
		if err != nil {
			return nil, err
		}
		a, err := disclose(is)
		if err != nil {
			return nil, err
		}
		if s.cfg.Access != nil {
			err = s.cfg.Access.RecordWith(ctx, is.Key, a, is.Records)
		} else {
			_, err = s.cfg.Store.Commit(ctx, &candor.WriteBatch{Records: is.Records})
		}
		switch {
		case err == nil:
			return is, nil
		case candor.ErrorCode(err) == candor.ECONFLICT && try < 3:
			// Another node sharing the store took the status list entry
			// first: reread the entries in use and issue afresh.
			s.mu.Lock()
			s.slots = nil
			s.mu.Unlock()
		default:
			return nil, fmt.Errorf("credentials: storing credential %s: %w", is.Info.ID, err)
		}
	}
}

// Issue issues a credential to subject with the statements and document
// req names, each true now, freshly signed with new salts, without
// storing it: the caller MUST store the Records durably before handing
// the credential over (Deliver does). Errors: EINVALID
// naming every problem with req (an unknown kind, no statements, an
// unknown, repeated or inapplicable statement, one not true now, a
// document the subject has not); ENOTFOUND for an unknown subject.
func (s *Service) Issue(ctx context.Context, subject candor.SubjectID, req Request) (*Issued, error) {
	sub, key, f, err := s.facts(ctx, subject, nil, nil)
	if err != nil {
		return nil, err
	}
	vals := evaluate(f.statements, f)
	var problems []candor.Problem
	bad := func(field, format string, args ...any) {
		problems = append(problems, candor.Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch req.Kind {
	case Shown, Download:
	case Badge:
		if sub.Kind != candor.Organisation {
			bad("kind", "only organisations get compliance badges")
		}
	default:
		bad("kind", "%q is not a kind of credential; use shown or download", req.Kind)
	}
	if req.Kind == Badge && sub.Kind == candor.Organisation {
		// A badge names its organisation, and says what is true of it
		// unless told which.
		req.Document = candor.CompanyRegNo.String()
		if len(req.Statements) == 0 {
			for _, name := range badgeStatements {
				if _, ok := vals[name]; ok {
					req.Statements = append(req.Statements, name)
				}
			}
		}
	}
	if len(req.Statements) == 0 {
		bad("statements", "pick at least one statement")
	}
	info := &Info{ID: newID(), Kind: req.Kind, IssuedAt: f.now, Expires: f.now.Add(req.Kind.validity()), StatusIdx: -1}
	var claims []Claim
	for _, name := range req.Statements {
		i := slices.IndexFunc(f.statements, func(st *Statement) bool { return st.Name == name })
		switch {
		case i < 0:
			bad("statements", "%q is not a statement in the catalogue", name)
		case slices.ContainsFunc(claims, func(c Claim) bool { return c.Name == name }):
			bad("statements", "%q is asked for twice", name)
		case !f.statements[i].Applies(sub.Kind):
			bad("statements", "%q cannot be made about %s", name, sub.Kind.Noun())
		default:
			v, ok := vals[name]
			if !ok {
				bad("statements", "%q is not true of you now, so it cannot be issued", name)
				continue
			}
			claims = append(claims, Claim{Name: name, Value: v})
		}
	}
	info.Statements = slices.Clone(claims)
	if req.Document != "" {
		rec, err := s.cfg.Store.Subject(ctx, subject)
		if err != nil {
			return nil, err
		}
		opened, err := key.OpenSubject(rec)
		if err != nil {
			return nil, err
		}
		ids, err := s.groupIdentifiers(ctx, key, opened)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ids, func(id candor.Identifier) bool { return id.Scheme.String() == req.Document })
		if i < 0 {
			bad("document", "you have no identity document of type %q", req.Document)
		} else {
			info.Document = req.Document
			claims = append(claims, Claim{Name: ClaimDocument, Value: Document{Type: req.Document, Number: ids[i].Value}})
		}
	}
	if len(problems) > 0 {
		return nil, &candor.Error{Code: candor.EINVALID, Message: "the credential cannot be issued as asked", Details: problems}
	}
	u := Unsigned{Issuer: s.cfg.Issuer, Type: TypeStatus, IssuedAt: info.IssuedAt, Expires: info.Expires, Claims: claims}
	if req.Kind == Badge {
		u.Type = TypeBadge
	}
	out := &Issued{Info: info, Key: key}
	if req.Kind != Shown {
		idx, err := s.reserve(ctx)
		if err != nil {
			return nil, err
		}
		info.StatusIdx = idx
		u.Status = new(StatusRef)
		u.Status.StatusList.Idx, u.Status.StatusList.URI = idx, s.StatusListURI()
		slot, _ := json.Marshal(slotData{Expires: info.Expires})
		out.Records = append(out.Records, &candor.Record{Kind: candor.RecordStatusSlot, ID: slotID(idx), Data: slot})
	}
	if out.Credential, err = s.cfg.Key.Sign(u); err != nil {
		return nil, err
	}
	if req.Kind == Badge {
		c, err := CompactURL(out.Credential)
		if err != nil {
			return nil, err
		}
		number := claims[len(claims)-1].Value.(Document).Number
		out.QR = s.cfg.Issuer + "/register?reg_no=" + url.QueryEscape(number) + "&badge=" + c
	} else if out.QR, err = Compact(out.Credential); err != nil {
		return nil, err
	}
	rec, err := key.SealJSON(candor.RecordCredential, info.ID, info)
	if err != nil {
		return nil, err
	}
	out.Records = append(out.Records, rec)
	info.Status = StatusValid.String()
	return out, nil
}

// slotData is a status list entry's record: when its credential expires.
type slotData struct {
	Expires time.Time `json:"expires"`
}

func slotID(idx int) string { return fmt.Sprintf("%07d", idx) }

// reserve picks an unused status list index at random, so that an index
// says nothing about when or to whom its credential was issued.
func (s *Service) reserve(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots == nil {
		slots := map[int]bool{}
		for r, err := range s.cfg.Store.AllRecords(ctx, candor.RecordStatusSlot) {
			if err != nil {
				return 0, err
			}
			idx, _ := strconv.Atoi(r.ID)
			slots[idx] = true
		}
		s.slots = slots
	}
	if len(s.slots) >= ListSize/2 {
		return 0, candor.Errorf(candor.EINTERNAL, "the status list is half full; it needs a second list")
	}
	for {
		idx := mrand.IntN(ListSize)
		if !s.slots[idx] {
			s.slots[idx] = true
			return idx, nil
		}
	}
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return "cred_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// Credentials returns the credentials issued to subject, newest first,
// each with its status now.
func (s *Service) Credentials(ctx context.Context, subject candor.SubjectID) ([]*Info, error) {
	_, key, f, err := s.facts(ctx, subject, nil, nil)
	if err != nil {
		return nil, err
	}
	infos, err := vault.ReadJSON[Info](ctx, s.cfg.Store, key, candor.RecordCredential)
	if err != nil {
		return nil, err
	}
	current := evaluate(f.statements, f)
	for _, in := range infos {
		in.Status = status(in, f.statements, current, f.now)
	}
	slices.SortFunc(infos, func(a, b *Info) int { return b.IssuedAt.Compare(a.IssuedAt) })
	return infos, nil
}

// status is in's status at now, given the statements sts made now and
// those of them true now.
func status(in *Info, sts []*Statement, current map[string]any, now time.Time) string {
	switch {
	case !in.RevokedAt.IsZero():
		return StatusRevoked.String()
	case !now.Before(in.Expires):
		return "expired"
	}
	for _, c := range in.Statements {
		i := slices.IndexFunc(sts, func(st *Statement) bool { return st.Name == c.Name })
		if i < 0 || !stillTrue(sts[i], c.Value, current) {
			return StatusSuspended.String()
		}
	}
	return StatusValid.String()
}

// Revoke revokes one of subject's credentials, at once: the status list
// served next says so. Revoking a revoked credential is no error.
// Errors: ENOTFOUND if subject has no credential id.
func (s *Service) Revoke(ctx context.Context, subject candor.SubjectID, id string) (*Info, error) {
	if _, err := s.cfg.Store.Subject(ctx, subject); err != nil {
		return nil, err
	}
	key, err := s.cfg.Vault.SubjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	r, err := s.cfg.Store.Record(ctx, candor.RecordCredential, id)
	if err != nil && candor.ErrorCode(err) != candor.ENOTFOUND {
		return nil, err
	}
	if err != nil || r.Subject != subject {
		return nil, candor.Errorf(candor.ENOTFOUND, "you have no credential %s", id)
	}
	var in Info
	if err := key.OpenJSON(r, &in); err != nil {
		return nil, err
	}
	if in.RevokedAt.IsZero() {
		in.RevokedAt = s.cfg.Now().UTC()
		rec, err := key.SealJSON(candor.RecordCredential, id, &in)
		if err != nil {
			return nil, err
		}
		if err := s.cfg.Store.PutRecord(ctx, rec); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.list, s.gen = "", s.gen+1 // the next status list says so
		s.mu.Unlock()
	}
	in.Status = StatusRevoked.String()
	return &in, nil
}

// listRefresh is how long a built status list is served before it is
// built again, so that a statement that stopped being true suspends its
// credentials within about a minute. A revocation rebuilds it at once.
const listRefresh = time.Minute

// StatusList returns the signed status list: for every entry in use by a
// credential not yet expired, revoked if its holder revoked it (or its
// holder was erased), suspended while a statement in it is not true,
// valid otherwise. Errors: the store's.
func (s *Service) StatusList(ctx context.Context) (string, error) {
	if tok := s.fresh(); tok != "" {
		return tok, nil
	}
	s.build.Lock() // the requests that find it stale wait for one build
	defer s.build.Unlock()
	if tok := s.fresh(); tok != "" {
		return tok, nil
	}
	now := s.cfg.Now().UTC()
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	statuses, err := s.statuses(ctx, now)
	if err != nil {
		return "", err
	}
	tok, err := s.cfg.Key.SignStatusList(s.cfg.Issuer, s.StatusListURI(), statuses, now)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.list, s.listAt = tok, now
	}
	s.mu.Unlock()
	return tok, nil
}

// fresh returns the status list built last, if it is still fresh.
func (s *Service) fresh() string {
	now := s.cfg.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.list != "" && now.Sub(s.listAt) < listRefresh && !now.Before(s.listAt) {
		return s.list
	}
	return ""
}

func (s *Service) statuses(ctx context.Context, now time.Time) ([]Status, error) {
	statuses := make([]Status, ListSize)
	live := map[int]bool{}
	for r, err := range s.cfg.Store.AllRecords(ctx, candor.RecordStatusSlot) {
		if err != nil {
			return nil, err
		}
		var d slotData
		idx, err := strconv.Atoi(r.ID)
		if err != nil || idx < 0 || idx >= ListSize || json.Unmarshal(r.Data, &d) != nil {
			return nil, fmt.Errorf("credentials: status slot %q is corrupt", r.ID)
		}
		if now.Before(d.Expires) {
			live[idx] = true
			statuses[idx] = StatusRevoked // unless a credential stands behind it
		}
	}
	bySubject := map[candor.SubjectID][]*candor.Record{}
	for r, err := range s.cfg.Store.AllRecords(ctx, candor.RecordCredential) {
		if err != nil {
			return nil, err
		}
		c := *r
		c.Data = slices.Clone(r.Data)
		bySubject[r.Subject] = append(bySubject[r.Subject], &c)
	}
	isCourt, err := s.courts(ctx)
	if err != nil {
		return nil, err
	}
	served := s.current() // one set for the whole pass
	for subject, recs := range bySubject {
		_, key, f, err := s.facts(ctx, subject, isCourt, served)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue // erased: its entries stay revoked
		}
		if err != nil {
			return nil, err
		}
		var current map[string]any
		for _, r := range recs {
			var in Info
			if err := key.OpenJSON(r, &in); err != nil {
				return nil, err
			}
			if in.StatusIdx < 0 || !live[in.StatusIdx] {
				continue
			}
			if current == nil {
				current = evaluate(f.statements, f)
			}
			switch status(&in, f.statements, current, now) {
			case StatusValid.String():
				statuses[in.StatusIdx] = StatusValid
			case StatusSuspended.String():
				statuses[in.StatusIdx] = StatusSuspended
			}
		}
	}
	return statuses, nil
}
