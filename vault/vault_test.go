package vault_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

func mustVault(tb testing.TB, seed byte) *vault.Vault {
	tb.Helper()
	v, err := vault.New(bytes.Repeat([]byte{seed}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "master.key")
	k1, err := vault.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	k2, err := vault.LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) || len(k1) != vault.KeySize {
		t.Fatalf("reloaded key differs or has the wrong size: %v", err)
	}
	t.Run("readable by others", func(t *testing.T) {
		os.Chmod(path, 0o644)
		defer os.Chmod(path, 0o600)
		if _, err := vault.LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("got %v, want a refusal that says to chmod 600", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.key")
		os.WriteFile(bad, []byte("not base64!\n"), 0o600)
		if _, err := vault.LoadOrCreateKey(bad); err == nil || !strings.Contains(err.Error(), "base64") {
			t.Fatalf("got %v, want a format error", err)
		}
	})
}

func validEvent() *candor.ValidEvent {
	return &candor.ValidEvent{
		SourceEventID: "bank7-000123",
		Kind:          candor.Person,
		Identifier:    candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"},
		Type:          &candor.EventType{Name: "credit.instalment_late"},
		OccurredAt:    time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
		Fields: []candor.Field{
			{Name: "days_late", Value: candor.Value{Type: candor.FieldInt, Int: 45}},
			{Name: "amount", Value: candor.Value{Type: candor.FieldAmount, Int: 1205000}},
			{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: "EUR"}},
			{Name: "due", Value: candor.Value{Type: candor.FieldDate, Int: 20526}},
		},
	}
}

func sealEvent(k *vault.SubjectKey, plain []byte, at time.Time) []byte {
	b, _ := k.SealWithMatches(nil, plain, at, nil)
	return b
}

func sealed(t *testing.T, v *vault.Vault) (*vault.SubjectKey, []byte, *candor.EventRecord) {
	t.Helper()
	id := candor.NewSubjectID()
	key, wrapped := v.NewSubjectKey(id)
	ev := validEvent()
	plain, _ := vault.EncodeEvent(nil, "bank7", time.Date(2026, 3, 15, 1, 2, 3, 0, time.UTC), ev)
	rec := &candor.EventRecord{Subject: id, OccurredAt: ev.OccurredAt, ID: 9, State: candor.StateActive,
		Sealed: sealEvent(key, plain, ev.OccurredAt)}
	return key, wrapped.Wrapped, rec
}

func TestEventRoundTrip(t *testing.T) {
	v := mustVault(t, 1)
	key, wrapped, rec := sealed(t, v)
	if bytes.Contains(rec.Sealed, []byte("bank7")) || bytes.Contains(rec.Sealed, []byte("instalment")) {
		t.Fatal("sealed event contains plaintext")
	}
	key2, err := v.OpenSubjectKey(rec.Subject, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*vault.SubjectKey{key, key2} {
		ev, err := k.OpenEvent(rec)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := k.OpenEvents([]*candor.EventRecord{rec, rec})
		if err != nil || len(evs) != 2 || evs[1].SourceEventID != ev.SourceEventID {
			t.Fatalf("OpenEvents: %v, %v", evs, err)
		}
		want := validEvent()
		if ev.ID != 9 || ev.Subject != rec.Subject || ev.Source != "bank7" || ev.SourceEventID != want.SourceEventID ||
			ev.Type != want.Type.Name || !ev.OccurredAt.Equal(want.OccurredAt) || ev.State != candor.StateActive ||
			!ev.RecordedAt.Equal(time.Date(2026, 3, 15, 1, 2, 3, 0, time.UTC)) || len(ev.Fields) != len(want.Fields) {
			t.Fatalf("round trip: got %+v", ev)
		}
		for i := range ev.Fields {
			if ev.Fields[i] != want.Fields[i] {
				t.Errorf("field %d: got %+v, want %+v", i, ev.Fields[i], want.Fields[i])
			}
		}
	}
}

func TestTamperingIsDetected(t *testing.T) {
	v := mustVault(t, 1)
	key, wrapped, rec := sealed(t, v)
	for i := range rec.Sealed {
		bad := *rec
		bad.Sealed = bytes.Clone(rec.Sealed)
		bad.Sealed[i] ^= 0x01
		if _, err := key.OpenEvent(&bad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	moved := *rec
	moved.OccurredAt = rec.OccurredAt.Add(time.Hour)
	if _, err := key.OpenEvent(&moved); err == nil {
		t.Error("an event moved to another time opened")
	}
	other, _ := v.NewSubjectKey(candor.NewSubjectID())
	if _, err := other.OpenEvent(rec); err == nil {
		t.Error("an event opened under another subject's key")
	}
	if _, err := mustVault(t, 2).OpenSubjectKey(rec.Subject, wrapped); err == nil {
		t.Error("a data key unwrapped under another master key")
	}
	if _, err := v.OpenSubjectKey(candor.NewSubjectID(), wrapped); err == nil {
		t.Error("a data key unwrapped for another subject")
	}
}

func TestSubjectRoundTrip(t *testing.T) {
	v := mustVault(t, 1)
	id := candor.NewSubjectID()
	key, _ := v.NewSubjectKey(id)
	ids := []candor.Identifier{{Scheme: candor.NationalID, Value: "AB1234567"}, {Scheme: candor.TaxNumber, Value: "1234567897"}}
	rec := &candor.SubjectRecord{ID: id, Kind: candor.Person, Sealed: key.SealIdentifiers(ids)}
	if bytes.Contains(rec.Sealed, []byte("AB1234567")) {
		t.Fatal("sealed identifiers contain plaintext")
	}
	s, err := key.OpenSubject(rec)
	if err != nil || len(s.Identifiers) != 2 || s.Identifiers[0] != ids[0] || s.Identifiers[1] != ids[1] || s.Kind != candor.Person {
		t.Fatalf("got %+v, %v", s, err)
	}
	rec.Sealed[len(rec.Sealed)-1] ^= 1
	if _, err := key.OpenSubject(rec); err == nil {
		t.Fatal("altered subject record opened")
	}
}

func TestKeyedHashes(t *testing.T) {
	v1, v2 := mustVault(t, 1), mustVault(t, 2)
	a := candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}
	if v1.BlindIndex(a) != v1.BlindIndex(a) {
		t.Error("blind index is not deterministic")
	}
	if v1.BlindIndex(a) == v2.BlindIndex(a) {
		t.Error("blind index does not depend on the master key")
	}
	if v1.BlindIndex(a) == v1.BlindIndex(candor.Identifier{Scheme: candor.TaxNumber, Value: "AB1234567"}) {
		t.Error("blind index ignores the scheme")
	}
	if v1.DedupeKey("bank", "7") == v1.DedupeKey("bank7", "") || v1.DedupeKey("a", "b") != v1.DedupeKey("a", "b") {
		t.Error("dedupe key is ambiguous or not deterministic")
	}
	ev := validEvent()
	p1, c1 := vault.EncodeEvent(nil, "bank7", time.Now(), ev)
	p2, c2 := vault.EncodeEvent(nil, "bank7", time.Now().Add(time.Hour), ev)
	if v1.Digest(a, p1[c1:]) != v1.Digest(a, p2[c2:]) {
		t.Error("digest depends on the recording time")
	}
	ev.Fields[0].Value.Int++
	p3, c3 := vault.EncodeEvent(nil, "bank7", time.Now(), ev)
	if v1.Digest(a, p1[c1:]) == v1.Digest(a, p3[c3:]) {
		t.Error("digest ignores a field value")
	}
}

// TestEventOpenerReuse opens two subjects' events in turn with one
// EventOpener, as a pass over the population does, and checks each result
// while it is valid, and that the strings of earlier results, which share
// the memory they were decrypted into, never change.
func TestEventOpenerReuse(t *testing.T) {
	v := mustVault(t, 1)
	var o vault.EventOpener
	var kept []string // each round's events' source event IDs and types
	for round, n := range []int{5, 2, 7} {
		id := candor.NewSubjectID()
		key, _ := v.NewSubjectKey(id)
		var recs []*candor.EventRecord
		for i := range n {
			ev := validEvent()
			ev.SourceEventID = fmt.Sprintf("r%d-e%d", round, i)
			ev.OccurredAt = ev.OccurredAt.AddDate(0, 0, i)
			ev.Fields[0].Value.Int = int64(100*round + i)
			plain, _ := vault.EncodeEvent(nil, "bank7", ev.OccurredAt, ev)
			recs = append(recs, &candor.EventRecord{Subject: id, OccurredAt: ev.OccurredAt, ID: candor.EventID(i + 1),
				State: candor.StateActive, Sealed: sealEvent(key, plain, ev.OccurredAt)})
		}
		evs, err := o.Open(key, recs)
		if err != nil || len(evs) != n {
			t.Fatalf("round %d: %d events, %v", round, len(evs), err)
		}
		for i, e := range evs {
			if e.SourceEventID != fmt.Sprintf("r%d-e%d", round, i) || e.Fields[0].Value.Int != int64(100*round+i) ||
				len(e.Fields) != 4 || e.ID != candor.EventID(i+1) || e.Subject != id || e.Type != "credit.instalment_late" {
				t.Fatalf("round %d, event %d: %+v", round, i, e)
			}
			kept = append(kept, e.SourceEventID, e.Type)
		}
		recs[n-1].Sealed[20] ^= 1
		if _, err := o.Open(key, recs); err == nil {
			t.Fatalf("round %d: an altered record opened", round)
		}
	}
	i := 0
	for round, n := range []int{5, 2, 7} {
		for e := range n {
			if kept[i] != fmt.Sprintf("r%d-e%d", round, e) || kept[i+1] != "credit.instalment_late" {
				t.Fatalf("round %d, event %d: kept strings became %q, %q", round, e, kept[i], kept[i+1])
			}
			i += 2
		}
	}
}

func TestRecordSealing(t *testing.T) {
	v := mustVault(t, 1)
	key, _ := v.NewSubjectKey(candor.NewSubjectID())
	r := key.SealRecord(candor.RecordDecision, "d1", []byte(`{"outcome":"approve"}`))
	if got, err := key.OpenRecord(r); err != nil || string(got) != `{"outcome":"approve"}` {
		t.Fatalf("OpenRecord: %q, %v", got, err)
	}
	for _, change := range []func(*candor.Record){
		func(r *candor.Record) { r.ID = "d2" },
		func(r *candor.Record) { r.Kind = candor.RecordConsent },
		func(r *candor.Record) { r.Data = bytes.Clone(r.Data); r.Data[15] ^= 1 },
	} {
		bad := *r
		change(&bad)
		if _, err := key.OpenRecord(&bad); err == nil {
			t.Errorf("an altered or moved record opened: %+v", bad)
		}
	}
	other, _ := v.NewSubjectKey(candor.NewSubjectID())
	if _, err := other.OpenRecord(r); err == nil {
		t.Error("a record opened under another subject's key")
	}
}

// TestKeyringRoundTrip: a key kept in the keyring opens through the vault;
// a shredded one is ENOTFOUND, and StoredKey wants the subject stored too.
func TestKeyringRoundTrip(t *testing.T) {
	ctx := context.Background()
	kr := memstore.NewKeyring()
	v, err := vault.New(bytes.Repeat([]byte{1}, vault.KeySize), kr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vault.New(bytes.Repeat([]byte{1}, vault.KeySize), nil); err == nil {
		t.Error("a vault without a keyring")
	}
	id := candor.NewSubjectID()
	key, wrapped := v.NewSubjectKey(id)
	if wrapped.Subject != id {
		t.Fatalf("wrapped key of %s, want %s", wrapped.Subject, id)
	}
	if _, err := v.SubjectKey(ctx, id); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("a key not kept: %v, want ENOTFOUND", err)
	}
	if err := v.KeepKeys(ctx, []candor.WrappedKey{wrapped}); err != nil {
		t.Fatal(err)
	}
	got, err := v.SubjectKey(ctx, id)
	if err != nil || *got.Salt() != *key.Salt() {
		t.Fatalf("SubjectKey: %v (salt equal: %v)", err, err == nil && *got.Salt() == *key.Salt())
	}
	st := memstore.New()
	defer st.Close()
	if _, err := v.StoredKey(ctx, st, id); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("StoredKey of a subject not stored: %v, want ENOTFOUND", err)
	}
	if err := v.ShredKey(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := v.SubjectKey(ctx, id); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a shredded key: %v, want ENOTFOUND", err)
	}
}

// TestPreparedKey: a prepared key is the same key (each opens what the
// other sealed, records and access records alike, and derives the same
// salt), seals without allocating an AES-GCM state, and still refuses a
// record moved to another ID or another subject's.
func TestPreparedKey(t *testing.T) {
	v := mustVault(t, 1)
	key, _ := v.NewSubjectKey(candor.NewSubjectID())
	ready := key.Prepared()
	if ready.Subject() != key.Subject() || *ready.Salt() != *key.Salt() {
		t.Fatal("a prepared key names another subject or derives another salt")
	}
	for _, pair := range [][2]*vault.SubjectKey{{key, ready}, {ready, key}, {ready, ready.Prepared()}} {
		r := pair[0].SealRecord(candor.RecordDecision, "d1", []byte(`{"outcome":"approve"}`))
		if got, err := pair[1].OpenRecord(r); err != nil || string(got) != `{"outcome":"approve"}` {
			t.Fatalf("OpenRecord: %q, %v", got, err)
		}
		moved := *r
		moved.ID = "d2"
		if _, err := pair[1].OpenRecord(&moved); err == nil {
			t.Error("a prepared key opened a record moved to another ID")
		}
		a := &candor.Access{Subject: key.Subject(), At: time.Unix(1, 0).UTC(), Principal: "k", Purpose: "p", Action: "a"}
		rec, c, err := pair[0].SealAccess(a)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := pair[1].OpenAccess(rec)
		if err != nil || got.Principal != "k" {
			t.Fatalf("OpenAccess: %+v, %v", got, err)
		}
		if _, c2, _ := pair[1].SealAccess(a); c2 != c {
			t.Error("the two keys commit to the same access record differently")
		}
	}
	other, _ := v.NewSubjectKey(candor.NewSubjectID())
	if _, err := ready.OpenRecord(other.SealRecord(candor.RecordDecision, "d1", []byte("x"))); err == nil {
		t.Error("a prepared key opened another subject's record")
	}
	plain := []byte(`{"outcome":"approve"}`)
	// An unprepared key allocates its AES and GCM states on top of what
	// a prepared one allocates (the record, its AAD and its sealed bytes:
	// four, or five under the race detector, so only the difference is
	// checked).
	prepared := testing.AllocsPerRun(100, func() { ready.SealRecord(candor.RecordDecision, "d1", plain) })
	if n := testing.AllocsPerRun(100, func() { key.SealRecord(candor.RecordDecision, "d1", plain) }); n < prepared+2 {
		t.Errorf("an unprepared key's SealRecord allocates %v times, a prepared one's %v: want the AES-GCM set-up to show", n, prepared)
	}
	// A prepared key seals an access record into the record and its
	// sealed bytes only, its AAD kept and its plaintext in a reused
	// buffer: one allocation fewer than a record, whose AAD names it.
	a := &candor.Access{Subject: key.Subject(), At: time.Unix(1, 0).UTC(), Principal: "k", Purpose: "p", Action: "a"}
	if n := testing.AllocsPerRun(100, func() { ready.SealAccess(a) }); n > prepared-1 {
		t.Errorf("a prepared key's SealAccess allocates %v times, its SealRecord %v: want one fewer", n, prepared)
	}
}
