package credentials

import (
	"context"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Desk is the portal's credential desk (candor.CredentialDesk): the
// Service's issuance, listing, revocation and verification in the
// domain's types, storing what it issues with the access record of its
// handing over.
type Desk struct{ svc *Service }

// IssuanceLog stores an access record and new records about its subject
// in one durable commit (audit.AccessLog is one).
type IssuanceLog interface {
	RecordWith(ctx context.Context, key *vault.SubjectKey, a *candor.Access, with []*candor.Record) error
}

// NewDesk returns the desk of svc.
func NewDesk(svc *Service) *Desk { return &Desk{svc: svc} }

// Offer returns what subject may put in a credential now.
func (d *Desk) Offer(ctx context.Context, subject candor.SubjectID) (*candor.CredentialOffer, error) {
	o, err := d.svc.Offer(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := &candor.CredentialOffer{ShownFor: ShownValidity, KeptFor: DownloadValidity}
	for _, c := range o.Statements {
		out.Statements = append(out.Statements, statement(c))
	}
	for _, doc := range o.Documents {
		out.Documents = append(out.Documents, candor.CredentialDocument{Type: doc.Type, Number: doc.Number})
	}
	return out, nil
}

// statement is c with its plain words.
func statement(c Claim) candor.CredentialStatement {
	says := c.Name
	if e := Explain(&Result{Claims: []Claim{c}}); len(e.Says) == 1 {
		says = e.Says[0]
	}
	return candor.CredentialStatement{Name: c.Name, Says: says, Value: c.Value}
}

// info is what the holder sees of in.
func info(in *Info) *candor.CredentialInfo {
	out := &candor.CredentialInfo{ID: in.ID, Kind: candor.CredentialKind(in.Kind), IssuedAt: in.IssuedAt, Expires: in.Expires,
		Document: in.Document, Revocable: in.StatusIdx >= 0, RevokedAt: in.RevokedAt, Status: in.Status}
	for _, c := range in.Statements {
		out.Statements = append(out.Statements, statement(c))
	}
	return out
}

// Credentials returns the credentials issued to subject.
func (d *Desk) Credentials(ctx context.Context, subject candor.SubjectID) ([]*candor.CredentialInfo, error) {
	ins, err := d.svc.Credentials(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := make([]*candor.CredentialInfo, len(ins))
	for i, in := range ins {
		out[i] = info(in)
	}
	return out, nil
}

// Issue issues a credential and stores it with the access record
// disclose returns, in one commit (Service.Deliver).
func (d *Desk) Issue(ctx context.Context, subject candor.SubjectID, req candor.CredentialRequest, disclose candor.Disclose[*candor.IssuedCredential]) (*candor.IssuedCredential, error) {
	var out *candor.IssuedCredential
	_, err := d.svc.Deliver(ctx, subject, Request{Kind: Kind(req.Kind), Statements: req.Statements, Document: req.Document},
		func(is *Issued) (*candor.Access, error) {
			out = &candor.IssuedCredential{Credential: is.Credential, QR: is.QR, Info: info(is.Info)}
			return disclose(out)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Revoke revokes subject's credential id.
func (d *Desk) Revoke(ctx context.Context, subject candor.SubjectID, id string) (*candor.CredentialInfo, error) {
	in, err := d.svc.Revoke(ctx, subject, id)
	if err != nil {
		return nil, err
	}
	return info(in), nil
}

// Verify verifies a credential and explains it.
func (d *Desk) Verify(ctx context.Context, text string) (*candor.CredentialExplanation, error) {
	res, err := d.svc.Verify(ctx, text)
	if err != nil {
		return nil, err
	}
	return Explain(res), nil
}

// VerifyBadge verifies a compliance badge shown for the organisation
// regNo, as CompactURL put it in a register entry's URL.
func (d *Desk) VerifyBadge(ctx context.Context, badge, regNo string) (*candor.CredentialExplanation, error) {
	text, err := DecompactURL(badge)
	if err != nil {
		return nil, err
	}
	res, err := d.svc.Verify(ctx, text)
	if err != nil {
		return nil, err
	}
	if res.Type != TypeBadge {
		return nil, candor.Errorf(candor.EINVALID, "this is a status credential, not a compliance badge")
	}
	if doc, _ := res.Claim(ClaimDocument); fmt.Sprint(doc) != fmt.Sprint(map[string]any{"type": candor.CompanyRegNo.String(), "number": regNo}) {
		return nil, candor.Errorf(candor.EINVALID, "the badge is for another organisation than %s", regNo)
	}
	return Explain(res), nil
}

// ScanQR returns the text of the QR code in a photo (ScanQR).
func (d *Desk) ScanQR(ctx context.Context, img []byte) (string, error) { return ScanQR(ctx, img) }

// RenderQR renders text as a QR code, as an SVG image.
func (d *Desk) RenderQR(text string) (*candor.QRCode, error) {
	q, err := RenderQR(text, 0)
	if err != nil {
		return nil, err
	}
	return &candor.QRCode{Text: q.Text, Version: q.Version, SVG: q.SVG()}, nil
}
