package ui

import (
	"html/template"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// "Show my status" in the person's language: the statements they may
// show, the credentials issued to them, and what a scanner reads of a QR
// code shown.

// statementWords are the credential statements' names, keyed by the
// statement's name; English is the name as words. What each says is a
// message (personTranslations).
var statementWords = map[string]trans{
	"work_permit_valid":             {"действующее разрешение на работу", "有效的工作许可"},
	"tax_obligations_current":       {"налоги уплачены", "税款已缴清"},
	"no_standing_court_restriction": {"нет действующих судебных ограничений", "无有效的法院限制"},
	"rental_grade_at_least":         {"оценка для аренды не ниже", "租房等级不低于"},
	"business_compliance_grade":     {"оценка соблюдения требований", "企业合规等级"},
	"registered_and_active":         {"зарегистрирована и действует", "已登记且存续"},
}

// statementTitle is a statement's name in l's language.
func (l locale) statementTitle(name string) string {
	tr, ok := statementWords[name]
	return l.pick(words(name), tr, ok)
}

// duration says d in l's language, in whole days, hours or minutes.
func (l locale) duration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return l.T("%d days", int(d/(24*time.Hour)))
	case d >= time.Hour && d%time.Hour == 0:
		return l.T("%d hours", int(d/time.Hour))
	}
	return l.T("%d minutes", int(d.Round(time.Minute)/time.Minute))
}

// documentWords says an identity document's type in l's language.
func (l locale) documentWords(typ string) string {
	if s, ok := candor.ParseScheme(typ); ok {
		return l.scheme(s)
	}
	return words(typ)
}

type statusStatement struct {
	Name, Says string
	Value      any
}

type statusDocument struct{ Type, Title, Number string }

type statusIssued struct {
	ID, Kind, Status, StatusWord, Statements string
	IssuedAt, Expires                        time.Time
	Revocable                                bool
}

type statusPageView struct {
	Statements        []statusStatement
	Documents         []statusDocument
	Issued            []statusIssued
	ShownFor, KeptFor string
}

// localStatus is the status page's data in l's language.
func localStatus(o *candor.CredentialOffer, issued []*candor.CredentialInfo, l locale) statusPageView {
	v := statusPageView{ShownFor: l.duration(o.ShownFor), KeptFor: l.duration(o.KeptFor)}
	for _, st := range o.Statements {
		v.Statements = append(v.Statements, statusStatement{Name: st.Name, Value: st.Value, Says: l.message(st.Says)})
	}
	for _, d := range o.Documents {
		v.Documents = append(v.Documents, statusDocument{Type: d.Type, Title: l.documentWords(d.Type), Number: d.Number})
	}
	for _, in := range issued {
		var names []string
		for _, st := range in.Statements {
			names = append(names, l.statementTitle(st.Name))
		}
		if in.Document != "" {
			names = append(names, l.documentWords(in.Document))
		}
		v.Issued = append(v.Issued, statusIssued{ID: in.ID, Kind: l.T(string(in.Kind)), Status: in.Status, StatusWord: l.T(in.Status),
			Statements: strings.Join(names, l.T(", ")), IssuedAt: in.IssuedAt, Expires: in.Expires, Revocable: in.Revocable})
	}
	return v
}

// scannerView is what a scanner reads of a credential shown, in the
// holder's language.
type scannerView struct {
	Issuer, Valid, Status, Document string
	Says, NotReceived               []string
}

// localScanner is e, the explanation of the credential in, in l's
// language.
func localScanner(e *candor.CredentialExplanation, in *candor.CredentialInfo, l locale) scannerView {
	v := scannerView{Issuer: e.Issuer, Valid: e.Valid, Status: e.Status, Document: e.Document, Says: e.Says, NotReceived: e.NotReceived}
	if l.index == 0 {
		return v
	}
	at := func(t time.Time) string { return l.D(t) + " " + t.UTC().Format("15:04") + " UTC" }
	v.Valid = l.T("issued %s, valid until %s", at(in.IssuedAt), at(in.Expires))
	v.Status = l.message(e.Status)
	if typ, number, ok := strings.Cut(e.Document, " "); ok {
		v.Document = l.documentWords(typ) + " " + number
	}
	v.Says = nil
	for _, s := range e.Says {
		v.Says = append(v.Says, l.message(s))
	}
	v.NotReceived = nil
	for _, s := range e.NotReceived {
		v.NotReceived = append(v.NotReceived, l.message(s))
	}
	return v
}

// localQR labels a QR code's SVG in l's language.
func localQR(svg string, l locale) template.HTML {
	if l.index != 0 {
		svg = strings.Replace(svg, `aria-label="QR code"`, `aria-label="`+template.HTMLEscapeString(l.T("QR code"))+`"`, 1)
	}
	return template.HTML(svg)
}
