package candor_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

func TestActiveCourtOrders(t *testing.T) {
	cat := catalogue.Default()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	days := func(s string) int64 { return day(s).Unix() / 86400 }
	str := func(s string) candor.Value { return candor.Value{Type: candor.FieldText, Str: s} }
	imposed := func(ref, at, expires string) *candor.Event {
		return &candor.Event{Type: "court.restriction_imposed", Source: "court1", OccurredAt: day(at), State: candor.StateActive, Fields: []candor.Field{
			{Name: "order_ref", Value: str(ref)}, {Name: "court", Value: str("District Court")}, {Name: "legal_basis", Value: str("Insolvency Act s.11")},
			{Name: "restriction", Value: candor.Value{Type: candor.FieldEnum, Str: "company_director"}},
			{Name: "expires_on", Value: candor.Value{Type: candor.FieldDate, Int: days(expires)}}, {Name: "appeal_route", Value: str("Court of Appeal, 28 days")}}}
	}
	lifted := func(ref, at string) *candor.Event {
		return &candor.Event{Type: "court.restriction_lifted", Source: "court1", OccurredAt: day(at), State: candor.StateActive, Fields: []candor.Field{
			{Name: "order_ref", Value: str(ref)}, {Name: "reason", Value: candor.Value{Type: candor.FieldEnum, Str: "appeal_allowed"}}}}
	}
	disputed := imposed("D-4", "2026-01-01", "2027-01-01")
	disputed.State = candor.StateRemoved
	// A bank's "order", stored before ingest refused it, and another
	// court's lift of A-1: neither counts.
	byBank := imposed("E-5", "2026-01-01", "2027-01-01")
	byBank.Source = "bank1"
	otherCourt := lifted("A-1", "2026-03-01")
	otherCourt.Source = "court2"
	isCourt := candor.Courts([]*candor.Source{{ID: "court1", Kind: candor.SourceCourt}, {ID: "court2", Kind: candor.SourceCourt}, {ID: "bank1", Kind: candor.SourceBank}})
	events := []*candor.Event{
		byBank,
		otherCourt,
		imposed("A-1", "2026-01-01", "2027-06-30"),
		imposed("B-2", "2026-02-01", "2027-06-30"),
		imposed("C-3", "2026-03-01", "2026-06-30"), // expires
		disputed,
		lifted("B-2", "2026-05-01"),
		{Type: "credit.instalment_late", OccurredAt: day("2026-01-01"), State: candor.StateActive},
	}
	ids := func(os []candor.CourtOrder) (s []string) {
		for _, o := range os {
			s = append(s, o.OrderRef)
		}
		return s
	}
	for _, tc := range []struct {
		at   string
		want []string
	}{
		{"2025-12-31", nil},
		{"2026-04-15", []string{"A-1", "B-2", "C-3"}},
		{"2026-06-30", []string{"A-1", "C-3"}}, // B-2 lifted; C-3 in force on its expiry date
		{"2026-07-01", []string{"A-1"}},
		{"2027-07-01", nil},
	} {
		got := candor.ActiveCourtOrders(cat, events, day(tc.at).Add(12*time.Hour), isCourt)
		if len(got) != len(tc.want) || len(got) > 0 && !slices.Equal(ids(got), tc.want) {
			t.Errorf("at %s: %v, want %v", tc.at, ids(got), tc.want)
		}
	}
	o := candor.ActiveCourtOrders(cat, events, day("2026-04-15"), isCourt)[0]
	if o.Court != "District Court" || o.LegalBasis == "" || o.AppealRoute == "" || !o.ExpiresOn.Equal(day("2027-06-30")) || o.Restriction != "company_director" {
		t.Errorf("order A-1: %+v", o)
	}
}

// Orders stored before ingest checked them are never served: the register
// applies the same rules (EventType.CheckOrder) to what it reads.
func TestActiveCourtOrdersSkipsInvalid(t *testing.T) {
	cat := catalogue.Default()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	order := func(ref string, edit func(map[string]candor.Value)) *candor.Event {
		fs := map[string]candor.Value{
			"order_ref":    {Type: candor.FieldText, Str: ref},
			"court":        {Type: candor.FieldText, Str: "District Court"},
			"legal_basis":  {Type: candor.FieldText, Str: "Insolvency Act s.11"},
			"restriction":  {Type: candor.FieldEnum, Str: "company_director"},
			"expires_on":   {Type: candor.FieldDate, Int: day("2027-01-01").Unix() / 86400},
			"appeal_route": {Type: candor.FieldText, Str: "Court of Appeal, 28 days"},
		}
		edit(fs)
		e := &candor.Event{Type: "court.restriction_imposed", OccurredAt: day("2026-01-01"), State: candor.StateActive}
		for _, name := range []string{"order_ref", "court", "legal_basis", "restriction", "expires_on", "appeal_route"} {
			if v, ok := fs[name]; ok {
				e.Fields = append(e.Fields, candor.Field{Name: name, Value: v})
			}
		}
		return e
	}
	for _, tc := range []struct {
		name string
		edit func(map[string]candor.Value)
	}{
		{"blank reference", func(fs map[string]candor.Value) { fs["order_ref"] = candor.Value{Type: candor.FieldText, Str: ""} }},
		{"blank court", func(fs map[string]candor.Value) { fs["court"] = candor.Value{Type: candor.FieldText, Str: "  "} }},
		{"blank legal basis", func(fs map[string]candor.Value) {
			fs["legal_basis"] = candor.Value{Type: candor.FieldText, Str: "\u00a0"}
		}},
		{"no appeal route", func(fs map[string]candor.Value) { delete(fs, "appeal_route") }},
		{"for ever", func(fs map[string]candor.Value) {
			fs["expires_on"] = candor.Value{Type: candor.FieldDate, Int: day("9999-12-31").Unix() / 86400}
		}},
		{"unlisted restriction", func(fs map[string]candor.Value) {
			fs["restriction"] = candor.Value{Type: candor.FieldEnum, Str: "travel_ban"}
		}},
		{"restriction as text", func(fs map[string]candor.Value) {
			fs["restriction"] = candor.Value{Type: candor.FieldText, Str: "company_director"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events := []*candor.Event{order("GOOD-1", func(map[string]candor.Value) {}), order("BAD-1", tc.edit)}
			got := candor.ActiveCourtOrders(cat, events, day("2026-06-01"), anyCourt)
			if len(got) != 1 || got[0].OrderRef != "GOOD-1" {
				t.Errorf("served %+v, want only GOOD-1", got)
			}
		})
	}
}

// FuzzCourtOrder: whatever a court posts, Validate never panics, and an
// order it accepts is one the register serves, with every text readable
// and an expiry after the order and within the retention.
func FuzzCourtOrder(f *testing.F) {
	f.Add("RO-1", "District Court", "Civil Procedure Act s. 712", "asset_disposal", "2027-03-14", "Court of Appeal", int64(0))
	f.Add("", " ", "\u200b", "travel_ban", "9999-12-31", "\u202e", int64(-86400))
	f.Add("RO-1", "District\tCourt", "s. 1", "company_director", "2026-03-15", "x", int64(3600))
	cat := catalogue.Default()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ref, court, basis, restriction, expires, appeal string, back int64) {
		occurred := now.Add(-time.Duration(back%(5*365*86400)) * time.Second)
		text := func(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawString, Text: s} }
		in := candor.EventInput{ID: "o1", Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: "AB1234567"},
			Type: "court.restriction_imposed", OccurredAt: occurred.Format(time.RFC3339),
			Fields: []candor.RawField{{Name: "order_ref", Value: text(ref)}, {Name: "court", Value: text(court)}, {Name: "legal_basis", Value: text(basis)},
				{Name: "restriction", Value: text(restriction)}, {Name: "expires_on", Value: text(expires)}, {Name: "appeal_route", Value: text(appeal)}}}
		ev, ps := cat.Validate(&in, 0, now, nil)
		if len(ps) > 0 {
			return
		}
		for _, s := range []string{ref, court, basis, appeal} {
			if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\t\n\r\u202e") {
				t.Fatalf("accepted the text %q", s)
			}
		}
		exp, err := time.Parse(time.DateOnly, expires)
		if err != nil || !exp.After(ev.OccurredAt.Truncate(24*time.Hour)) || exp.After(ev.OccurredAt.Add(ev.Type.Retention)) {
			t.Fatalf("accepted expiry %s for an order of %s", expires, ev.OccurredAt)
		}
		stored := &candor.Event{Type: ev.Type.Name, OccurredAt: ev.OccurredAt, State: candor.StateActive, Fields: ev.Fields}
		if got := candor.ActiveCourtOrders(cat, []*candor.Event{stored}, ev.OccurredAt, anyCourt); len(got) != 1 || got[0].OrderRef != ref {
			t.Fatalf("an accepted order is not served: %+v", got)
		}
	})
}

// anyCourt takes every source for a court, for tests of the orders' own rules.
func anyCourt(string) bool { return true }
