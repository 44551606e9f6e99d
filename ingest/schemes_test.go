package ingest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/testenv"
)

// Identifiers of the data-defined schemes are posted like the demo's, and
// spellings that normalise alike land on one subject through the blind
// index; a bad check digit is refused naming the scheme and writes nothing.
func TestIngestSchemes(t *testing.T) {
	e := testenv.NewInMemory(t)
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid"}}
	line := func(id, scheme, value string) string {
		return `{"id":"` + id + `","subject":{"kind":"person","scheme":"` + scheme + `","value":"` + value + `"},"type":"credit.instalment_paid","occurred_at":"2026-10-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`
	}
	e.Post(t, bank, line("s1", "ru_snils", "112-233-445 95"), line("s2", "ru_snils", "11223344595"),
		line("c1", "cn_resident_id", "11010519491231002x"), line("c2", "cn_resident_id", "110105 19491231 002X"))
	ctx := context.Background()
	for _, tc := range []struct{ scheme, value string }{{"ru_snils", "11223344595"}, {"cn_resident_id", "11010519491231002X"}} {
		s, _ := candor.ParseScheme(tc.scheme)
		subject, err := e.Store.SubjectByIndex(ctx, e.Vault.BlindIndex(candor.Identifier{Scheme: s, Value: tc.value}))
		if err != nil {
			t.Fatalf("%s: %v", tc.scheme, err)
		}
		n := 0
		for _, err := range e.Store.Events(ctx, subject, candor.EventFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 {
			t.Errorf("%s: %d events on the subject, want both spellings' 2", tc.scheme, n)
		}
	}
	inputs, _, err := ingest.Decode([]byte(line("s3", "ru_snils", "112-233-445 94")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Pipeline.Ingest(ctx, bank, inputs, nil)
	if msg := candor.ErrorMessage(err) + errorProblems(err); !strings.Contains(msg, "not a valid ru_snils: the check digit does not match") {
		t.Errorf("bad SNILS: err = %v (%s)", err, msg)
	}
	s, _ := candor.ParseScheme("ru_snils")
	if _, err := e.Store.SubjectByIndex(ctx, e.Vault.BlindIndex(candor.Identifier{Scheme: s, Value: "11223344594"})); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the refused SNILS was stored: %v", err)
	}
}

// errorProblems returns the problems of a validation error, joined.
func errorProblems(err error) string {
	var b strings.Builder
	for _, p := range candor.ErrorDetails(err) {
		b.WriteString(p.Field + ": " + p.Reason + "; ")
	}
	return b.String()
}
