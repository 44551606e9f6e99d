package matchlist

import (
	"bytes"
	"testing"

	"github.com/candor-project/candor"
)

// FuzzDecode: a list read from a store (which an operator could have
// written) never panics the decoder, Find agrees with Decode, and what
// Append writes decodes to what it was given.
func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, []*candor.MatchRecord{{Scorecard: 7, Sealed: []byte("sealed")}, {Scorecard: 1 << 63}}))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0x00})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := Decode(b)
		if _, _, ferr := Find(b, 7); err == nil && ferr != nil {
			t.Fatalf("Decode took %x, Find refused it: %v", b, ferr)
		}
		if err != nil {
			return
		}
		recs := make([]*candor.MatchRecord, len(items))
		for i, it := range items {
			recs[i] = &candor.MatchRecord{Scorecard: it.Card, Sealed: it.Sealed}
			if sealed, ok, err := Find(b, it.Card); err != nil || !ok || (i == firstOf(items, it.Card) && !bytes.Equal(sealed, it.Sealed)) {
				t.Fatalf("Find(%d) in %x: %x %v %v", it.Card, b, sealed, ok, err)
			}
		}
		if again := Append(nil, recs); !bytes.Equal(again, b) || Len(recs) != len(b) {
			t.Fatalf("decoded %x, encoded again %x (Len %d)", b, again, Len(recs))
		}
	})
}

func firstOf(items []Item, card candor.ScorecardKey) int {
	for i, it := range items {
		if it.Card == card {
			return i
		}
	}
	return -1
}
