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
