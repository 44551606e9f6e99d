package storetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

func records(tb testing.TB, it func(yield func(*candor.Record, error) bool)) []candor.Record {
	tb.Helper()
	var out []candor.Record
	for r, err := range it {
		if err != nil {
			tb.Fatalf("records: %v", err)
		}
		c := *r
		c.Data = bytes.Clone(r.Data)
		out = append(out, c)
	}
	return out
}

func recordIDs(rs []candor.Record) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, ",")
}

// testRecords: records round-trip, list per subject and per kind in ID
// order, replace, delete, survive a reopen, and refuse bad IDs, unknown
// kinds and a change of subject.
func testRecords(t *testing.T, h *harness) {
	a, b := candor.NewSubjectID(), candor.NewSubjectID()
	put := func(kind candor.RecordKind, id string, sub candor.SubjectID, data string) {
		t.Helper()
		if err := h.s.PutRecord(ctx, &candor.Record{Kind: kind, ID: id, Subject: sub, Data: []byte(data)}); err != nil {
			t.Fatalf("PutRecord(%s): %v", id, err)
		}
	}
	put(candor.RecordConsent, "c2", a, "second")
	put(candor.RecordConsent, "c1", a, "first")
	put(candor.RecordConsent, "c3", b, "other subject")
	put(candor.RecordDecision, "c1", a, "same ID, other kind")
	put(candor.RecordRelyingParty, "bank1", candor.SubjectID{}, `{"name":"Bank"}`)

	r, err := h.s.Record(ctx, candor.RecordConsent, "c1")
	if err != nil || r.Subject != a || string(r.Data) != "first" || r.Kind != candor.RecordConsent || r.ID != "c1" {
		t.Fatalf("Record: %+v, %v", r, err)
	}
	if got := recordIDs(records(t, h.s.Records(ctx, candor.RecordConsent, a))); got != "c1,c2" {
		t.Fatalf("a's consents: %s, want c1,c2", got)
	}
	if got := recordIDs(records(t, h.s.AllRecords(ctx, candor.RecordConsent))); got != "c1,c2,c3" {
		t.Fatalf("all consents: %s, want c1,c2,c3", got)
	}
	if got := recordIDs(records(t, h.s.Records(ctx, candor.RecordRelyingParty, candor.SubjectID{}))); got != "bank1" {
		t.Fatalf("records about no subject: %s", got)
	}
	put(candor.RecordConsent, "c1", a, "replaced")
	err = h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: b, Data: []byte("x")})
	wantCode(t, err, candor.EINVALID, "moving a record to another subject")
	for _, bad := range []*candor.Record{{Kind: 0, ID: "x"}, {Kind: candor.RecordConsent, ID: ""}, {Kind: candor.RecordConsent, ID: strings.Repeat("x", candor.MaxRecordID+1)}} {
		wantCode(t, h.s.PutRecord(ctx, bad), candor.EINVALID, "a bad record")
	}
	if err := h.s.DeleteRecord(ctx, candor.RecordConsent, "c2"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.DeleteRecord(ctx, candor.RecordConsent, "never"); err != nil {
		t.Fatalf("deleting nothing: %v", err)
	}
	_, err = h.s.Record(ctx, candor.RecordConsent, "c2")
	wantCode(t, err, candor.ENOTFOUND, "a deleted record")

	s := h.reopen()
	got := records(t, s.Records(ctx, candor.RecordConsent, a))
	if recordIDs(got) != "c1" || string(got[0].Data) != "replaced" {
		t.Fatalf("after reopening: %+v", got)
	}
	if r, err := s.Record(ctx, candor.RecordDecision, "c1"); err != nil || string(r.Data) != "same ID, other kind" {
		t.Fatalf("decision c1: %+v %v", r, err)
	}
}

// testRecordsInBatch: records committed with a WriteBatch are stored as
// PutRecord stores them, together with the batch's access records, and a
// batch with a bad record stores nothing.
func testRecordsInBatch(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})
	acc := &candor.AccessRecord{Subject: sub.ID, Sealed: randomBytes(40)}
	rec := &candor.Record{Kind: candor.RecordDecision, ID: "d_1", Subject: sub.ID, Data: []byte("decided")}
	MustCommit(t, h.s, &candor.WriteBatch{Access: []*candor.AccessRecord{acc}, Records: []*candor.Record{rec}})
	if r, err := h.s.Record(ctx, candor.RecordDecision, "d_1"); err != nil || r.Subject != sub.ID || string(r.Data) != "decided" {
		t.Fatalf("Record: %+v, %v", r, err)
	}
	if got := recordIDs(records(t, h.s.Records(ctx, candor.RecordDecision, sub.ID))); got != "d_1" {
		t.Fatalf("the subject's decisions: %s, want d_1", got)
	}
	if got := accessRecords(t, h.s, sub.ID); len(got) != 1 {
		t.Fatalf("%d access records, want 1", len(got))
	}

	acc2 := &candor.AccessRecord{Subject: sub.ID, Sealed: randomBytes(40)}
	for _, bad := range []*candor.Record{nil, {Kind: 0, ID: "x", Subject: sub.ID}, {Kind: candor.RecordDecision, Subject: sub.ID},
		{Kind: candor.RecordDecision, ID: strings.Repeat("x", candor.MaxRecordID+1), Subject: sub.ID}} {
		good := &candor.Record{Kind: candor.RecordDecision, ID: "d_2", Subject: sub.ID, Data: []byte("x")}
		_, err := h.s.Commit(ctx, &candor.WriteBatch{Access: []*candor.AccessRecord{acc2}, Records: []*candor.Record{good, bad}})
		wantCode(t, err, candor.EINVALID, "a batch with a bad record")
	}
	if _, err := h.s.Record(ctx, candor.RecordDecision, "d_2"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("a refused batch's record: %v, want ENOTFOUND", err)
	}
	if got := accessRecords(t, h.s, sub.ID); len(got) != 1 {
		t.Fatalf("%d access records after refused batches, want 1", len(got))
	}
	if got := recordIDs(records(t, h.reopen().Records(ctx, candor.RecordDecision, sub.ID))); got != "d_1" {
		t.Fatalf("after reopening: %s, want d_1", got)
	}
}
