package candor_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// FuzzAdminActUnmarshal checks that what decodes as an administrative act
// (stored acts may have been written by anyone with the data dir) is
// exactly what encodes back to the same bytes.
func FuzzAdminActUnmarshal(f *testing.F) {
	a := &candor.AdminAct{N: 3, Kind: candor.ActKeyRequested, At: time.Unix(1764806400, 0), By: "alice", ByKey: "abcdefgh",
		Key: "ijklmnop", Principal: "mallory", KeyHash: [32]byte{9}, Prev: [32]byte{8}}
	enc, err := a.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add(enc[:20])
	au := &candor.AdminAct{N: 4, Kind: candor.ActScorecardAudited, At: time.Unix(1764806400, 0), By: "carol", ByKey: "qrstuvwx",
		Scorecard: "consumer-credit", Version: 2, Source: [32]byte{7}, Audit: [32]byte{6}, Prev: [32]byte{5}}
	if enc, err = au.MarshalBinary(); err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		var a candor.AdminAct
		if a.UnmarshalBinary(data) != nil {
			return
		}
		again, err := a.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded %+v from %x; encodes to %x, %v", a, data, again, err)
		}
	})
}

// An audit act carries its summary's hash; other acts encode as they
// always did, so that the chains stored before audits still verify.
func TestAdminActAuditHash(t *testing.T) {
	a := &candor.AdminAct{N: 4, Kind: candor.ActScorecardAudited, At: time.Unix(1764806400, 0).UTC(), By: "carol", ByKey: "qrstuvwx",
		Scorecard: "consumer-credit", Version: 2, Source: [32]byte{7}, Audit: [32]byte{6}, Prev: [32]byte{5}}
	enc, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back candor.AdminAct
	if err := back.UnmarshalBinary(enc); err != nil || back != *a {
		t.Fatalf("decoded %+v, %v; want %+v", back, err, a)
	}
	if err := back.UnmarshalBinary(enc[:len(enc)-32]); err == nil {
		t.Error("an audit act without its summary hash decodes")
	}
	p := *a
	p.Kind, p.Audit = candor.ActScorecardProposed, [32]byte{}
	penc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(penc) != len(enc)-32 {
		t.Errorf("a proposal encodes in %d bytes, the audit in %d: want 32 fewer", len(penc), len(enc))
	}
	a.Kind = candor.ActScorecardProposed // a non-audit act ignores the field
	if again, _ := a.MarshalBinary(); !bytes.Equal(again, penc) {
		t.Error("a proposal's encoding depends on its Audit field")
	}
}
