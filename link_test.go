package candor_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func TestLinkEncoding(t *testing.T) {
	l := &candor.Link{ID: "lnk-1", Op: candor.OpLinked, Survivor: candor.NewSubjectID(), Alias: candor.NewSubjectID(),
		Source: "civil1", Ref: "civ-2026-001", At: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	enc, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back candor.Link
	if err := back.UnmarshalBinary(enc); err != nil || back != *l {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []candor.Link{{Op: candor.OpLinked}, {ID: "x"}, {ID: strings.Repeat("x", 65), Op: candor.OpLinked}} {
		if _, err := bad.MarshalBinary(); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// The steps that stand: the last of each link, linked before unlinked
	// at one instant.
	u := *l
	u.Op = candor.OpUnlinked
	again := *l
	again.ID, again.At = "lnk-2", l.At.Add(time.Hour)
	if got := candor.CurrentLinks([]*candor.Link{&u, l}); len(got) != 0 {
		t.Errorf("linked and unlinked at one instant: %v stand", got)
	}
	if got := candor.CurrentLinks([]*candor.Link{&again, &u, l}); len(got) != 1 || got[0].ID != "lnk-2" {
		t.Errorf("relinked: %v stand", got)
	}
}

// A link fact is an event of a built-in type, for either kind of
// subject, whose other identifier is checked as the subject's is.
func TestValidateLinkFact(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	raw := func(name, v string) candor.RawField {
		return candor.RawField{Name: name, Value: candor.RawValue{Kind: candor.RawString, Text: v}}
	}
	for _, c := range []struct {
		name, typ, kind, scheme, value, otherScheme, otherValue, problem string
	}{
		{"person", "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "112-233-445 95", ""},
		{"organisation unlinked", "identity.unlinked", "organisation", "cn_uscc", "91350100M000100Y43", "ru_ogrn", "1027700132195", ""},
		{"other of another kind", "identity.linked", "person", "national_id", "AB1234567", "company_reg_no", "C01234567", "fields.other_scheme: company_reg_no does not identify a person"},
		{"bad check digit", "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "11223344594", "fields.other_value: not a valid ru_snils: the check digit does not match"},
		{"own identifier", "identity.linked", "person", "national_id", "AB1234567", "national_id", "ab1234567", "fields.other_value: names the subject's own identifier"},
		{"unknown scheme", "identity.linked", "person", "national_id", "AB1234567", "shoe_size", "42", "fields.other_scheme: must be one of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := candor.EventInput{ID: "x", Subject: candor.SubjectRef{Kind: c.kind, Scheme: c.scheme, Value: c.value},
				Type: c.typ, OccurredAt: "2026-01-01T00:00:00Z",
				Fields: []candor.RawField{raw("other_scheme", c.otherScheme), raw("other_value", c.otherValue)}}
			ev, problems := testCatalogue(t).Validate(&in, 0, now, nil)
			if c.problem == "" {
				if len(problems) != 0 || ev.Link != candor.LinkOpOf(c.typ) || ev.Other.Value == "" || ev.Other.Scheme.String() != c.otherScheme {
					t.Fatalf("problems %v, event %+v", problems, ev)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0].String(), c.problem) {
				t.Fatalf("problems %v, want %q", problems, c.problem)
			}
		})
	}
	if _, err := candor.NewCatalogue([]candor.EventType{*candor.LinkType("identity.linked")}); err == nil || !strings.Contains(err.Error(), "built in") {
		t.Errorf("a catalogue defining identity.linked: %v", err)
	}
}

// FuzzLinkUnmarshal: no stored bytes panic the decoder; what it accepts
// encodes back to the same bytes.
func FuzzLinkUnmarshal(f *testing.F) {
	l := &candor.Link{ID: "lnk-1", Op: candor.OpUnlinked, Source: "s", Ref: "r", At: time.Unix(1, 0)}
	enc, _ := l.MarshalBinary()
	f.Add(enc)
	f.Add([]byte{5, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l candor.Link
		if l.UnmarshalBinary(b) != nil {
			return
		}
		again, err := l.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", b, l, again, err)
		}
	})
}
