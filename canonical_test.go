package candor_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// The event commitment is over exactly the bytes canonical.go documents,
// with matches in scorecard order whatever order they are given in.
func TestEventCommitmentEncoding(t *testing.T) {
	e := &candor.EventRecord{Subject: candor.SubjectID{1}, OccurredAt: time.Unix(0, 1234), ID: 9,
		State: candor.StateActive, Dedupe: candor.DedupeKey{2}, Digest: candor.Digest{3}, Sealed: []byte("sealed")}
	m1 := &candor.MatchRecord{Scorecard: 5, State: candor.StateActive, Sealed: []byte("m5")}
	m2 := &candor.MatchRecord{Scorecard: 2, State: candor.StateActive, Sealed: []byte("m2")}
	var want []byte
	want = append(want, 1, 1)
	want = append(want, e.Subject[:]...)
	want = binary.BigEndian.AppendUint64(want, 1234)
	want = binary.BigEndian.AppendUint64(want, 9)
	want = append(want, byte(candor.StateActive))
	want = append(want, e.Dedupe[:]...)
	want = append(want, e.Digest[:]...)
	want = append(want, 6)
	want = append(want, "sealed"...)
	want = append(want, 2)
	for _, m := range []*candor.MatchRecord{m2, m1} {
		want = binary.BigEndian.AppendUint64(want, uint64(m.Scorecard))
		want = append(want, byte(m.State), 2)
		want = append(want, m.Sealed...)
	}
	if got := candor.AppendEventAudit(nil, e, []*candor.MatchRecord{m1, m2}); !bytes.Equal(got, want) {
		t.Fatalf("encoding\n%x\nwant\n%x", got, want)
	}
	salt := candor.Salt{4}
	h := sha256.Sum256(append(append([]byte("candor/v1/commitment/write\x00"), salt[:]...), want...))
	if got := candor.EventCommitment(&salt, e, []*candor.MatchRecord{m1, m2}); got != candor.Commitment(h) {
		t.Fatalf("commitment %x, want %x", got, h)
	}
	m := &candor.MatchRecord{Subject: e.Subject, Scorecard: 5, OccurredAt: e.OccurredAt, Event: 9, State: candor.StateActive, Sealed: []byte("m5")}
	if candor.MatchCommitment(&salt, m) == candor.EventCommitment(&salt, e, nil) {
		t.Fatal("a match and an event commit alike")
	}
}

func TestAccessRoundTrip(t *testing.T) {
	a := candor.Access{Subject: candor.NewSubjectID(), At: time.Date(2026, 11, 24, 12, 0, 0, 5, time.UTC),
		Principal: "op_123", Role: candor.RoleOperator, Purpose: "profile review", Action: "GET /v1/subjects/{id}", Response: candor.Digest{9}}
	data, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var b candor.Access
	if err := b.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if b != a {
		t.Fatalf("round trip: %+v, want %+v", b, a)
	}
	for n := range data {
		if err := b.UnmarshalBinary(data[:n]); err == nil {
			t.Errorf("a record cut to %d bytes decodes", n)
		}
	}
	if err := b.UnmarshalBinary(append(data, 0)); err == nil {
		t.Error("a record with a trailing byte decodes")
	}
	long := a
	long.Purpose = string(make([]byte, 257))
	if _, err := long.MarshalBinary(); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a 257-byte purpose: %v, want EINVALID", err)
	}
}

// FuzzAccess checks that the access record decoder, which reads what a
// store or a proof hands over, accepts only canonical encodings.
func FuzzAccess(f *testing.F) {
	a := candor.Access{Subject: candor.SubjectID{1}, At: time.Unix(5, 0), Principal: "p", Role: candor.RoleOperator, Action: "x"}
	data, _ := a.MarshalBinary()
	f.Add(data)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var a candor.Access
		if a.UnmarshalBinary(data) != nil {
			return
		}
		again, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", a, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("decoded and encoded again:\n%x\nwant\n%x", again, data)
		}
	})
}

// TestAccessAppendBinary: AppendBinary appends exactly MarshalBinary's
// bytes, and refuses what MarshalBinary refuses.
func TestAccessAppendBinary(t *testing.T) {
	a := &candor.Access{Subject: candor.SubjectID{7}, At: time.Unix(1700000000, 5).UTC(), Principal: "key_1", Role: candor.RoleRelyingParty,
		Purpose: "decision for rental", Action: "POST /v1/decisions", Response: [32]byte{1, 2}}
	want, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.AppendBinary([]byte("prefix"))
	if err != nil || string(got) != "prefix"+string(want) {
		t.Fatalf("AppendBinary: %q, %v; want the prefix and %q", got, err, want)
	}
	long := *a
	long.Purpose = strings.Repeat("p", 257)
	if _, err := long.AppendBinary(nil); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("AppendBinary of a purpose of 257 bytes: %v, want EINVALID", err)
	}
}
