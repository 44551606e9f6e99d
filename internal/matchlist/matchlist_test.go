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
	g := append(AppendGroupHeader(nil, []candor.ScorecardKey{7, 9}), "seal"...)
	f.Add(Append(nil, []*candor.MatchRecord{{Scorecard: 7, Shared: true, Sealed: g}, {Scorecard: 9, Shared: true, Sealed: g}}))
	f.Add(append(marker[:], 0x05, 1, 2))
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
			recs[i] = &candor.MatchRecord{Scorecard: it.Card, Sealed: it.Sealed, Shared: it.Shared}
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

// TestShared: Shared returns the group matches share only when all are
// marked and carry one group of their keys in their order; a marked list
// decodes to them with the whole group each.
func TestShared(t *testing.T) {
	g := append(AppendGroupHeader(nil, []candor.ScorecardKey{7, 9}), "seal"...)
	ms := []*candor.MatchRecord{{Scorecard: 7, Shared: true, Sealed: g}, {Scorecard: 9, Shared: true, Sealed: bytes.Clone(g)}}
	if got, err := Shared(ms); err != nil || !bytes.Equal(got, g) {
		t.Fatalf("Shared: %x, %v", got, err)
	}
	if got, err := Shared([]*candor.MatchRecord{{Scorecard: 7, Sealed: []byte("a")}}); got != nil || err != nil {
		t.Fatalf("Shared of a match sealed on its own: %x, %v", got, err)
	}
	bad := [][]*candor.MatchRecord{
		{ms[1], ms[0]},                     // keys out of the group's order
		{ms[0]},                            // fewer than the group holds
		{ms[0], {Scorecard: 9, Sealed: g}}, // one not marked
		{{Scorecard: 7, Sealed: g}, ms[1]}, // the first not marked
		{ms[0], {Scorecard: 9, Shared: true, Sealed: []byte("x")}}, // another group
		{{Scorecard: 7, Shared: true, Sealed: []byte{0}}},          // not a group
	}
	for i, b := range bad {
		if _, err := Shared(b); err != ErrShared {
			t.Errorf("case %d: %v, want ErrShared", i, err)
		}
	}
	list := Append(nil, ms)
	if Len(ms) != len(list) {
		t.Fatalf("Len %d, Append %d bytes", Len(ms), len(list))
	}
	items, err := Decode(list)
	if err != nil || len(items) != 2 || items[1].Card != 9 || !items[1].Shared || !bytes.Equal(items[1].Sealed, g) {
		t.Fatalf("Decode: %+v, %v", items, err)
	}
	if found, ok, err := Find(list, 9); !ok || err != nil || !bytes.Equal(found, g) {
		t.Fatalf("Find(9): %x %v %v", found, ok, err)
	}
	if _, ok, err := Find(list, 8); ok || err != nil {
		t.Fatalf("Find(8): %v %v", ok, err)
	}
	if i, err := GroupIndex(g, 9); i != 1 || err != nil {
		t.Fatalf("GroupIndex(9): %d %v", i, err)
	}
}
