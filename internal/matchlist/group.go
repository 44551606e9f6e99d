package matchlist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/candor-project/candor"
)

// A group is all the matches of one event sealed together
// (candor.MatchRecord.Shared): their scorecard keys in the clear, so that
// a store finds an event's match with one scorecard without opening
// anything, then one seal of all of them:
//
//	uvarint n | n × scorecard(8) | sealed
//
// with 1 ≤ n ≤ Max. The vault authenticates the keys with the seal, so a
// group whose keys were altered or reordered does not open. Every match of
// the group carries the whole group as its sealed bytes.
//
// In a list (Append), a group is marked by a first item of scorecard 0
// and empty sealed bytes, which no list of separately sealed matches
// holds (a seal is never empty): 00×8 00 | group. Pebble, whose event
// value has its own version byte, keeps the group alone (AppendGroup).

// marker is the first item of a list that is a group.
var marker = [9]byte{}

// AppendGroupHeader appends a group's header, the keys of its matches in
// order, to dst; the caller appends the seal.
func AppendGroupHeader(dst []byte, cards []candor.ScorecardKey) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(cards)))
	for _, c := range cards {
		dst = binary.BigEndian.AppendUint64(dst, uint64(c))
	}
	return dst
}

// ParseGroup splits a group into its header (what AppendGroupHeader
// wrote), the number of its matches and its seal. Errors: ErrMalformed.
func ParseGroup(g []byte) (header []byte, n int, sealed []byte, err error) {
	u, w := binary.Uvarint(g)
	if w <= 0 || w != uvarintLen(u) || u == 0 || u > Max || uint64(len(g)-w)/8 < u {
		return nil, 0, nil, ErrMalformed
	}
	end := w + 8*int(u)
	return g[:end:end], int(u), g[end:], nil
}

// GroupCard returns the key of the i-th match of a group's header.
func GroupCard(header []byte, i int) candor.ScorecardKey {
	_, w := binary.Uvarint(header)
	return candor.ScorecardKey(binary.BigEndian.Uint64(header[w+8*i:]))
}

// GroupIndex returns the position of the first match with card in a
// group, or -1. Errors: ErrMalformed.
func GroupIndex(g []byte, card candor.ScorecardKey) (int, error) {
	header, n, _, err := ParseGroup(g)
	if err != nil {
		return -1, err
	}
	for i := range n {
		if GroupCard(header, i) == card {
			return i, nil
		}
	}
	return -1, nil
}

// Shared returns the group that ms share, or nil if they are sealed
// each on its own. Matches marked Shared must all be, and carry the same
// group, whose keys are theirs in order. Errors: ErrShared.
func Shared(ms []*candor.MatchRecord) ([]byte, error) {
	if len(ms) == 0 || !ms[0].Shared {
		for _, m := range ms {
			if m.Shared {
				return nil, ErrShared
			}
		}
		return nil, nil
	}
	g := ms[0].Sealed
	header, n, _, err := ParseGroup(g)
	if err != nil || n != len(ms) {
		return nil, ErrShared
	}
	for i, m := range ms {
		if !m.Shared || GroupCard(header, i) != m.Scorecard || !sameBytes(m.Sealed, g) {
			return nil, ErrShared
		}
	}
	return g, nil
}

func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b))
}

// DecodeGroup returns a group's matches: each its key, the whole group as
// its sealed bytes, and Shared set. Errors: ErrMalformed.
func DecodeGroup(g []byte) ([]Item, error) {
	header, n, _, err := ParseGroup(g)
	if err != nil {
		return nil, err
	}
	out := make([]Item, n)
	for i := range out {
		out[i] = Item{Card: GroupCard(header, i), Sealed: g[:len(g):len(g)], Shared: true}
	}
	return out, nil
}

// FindGroup returns a group if it holds a match with card. Errors:
// ErrMalformed.
func FindGroup(g []byte, card candor.ScorecardKey) ([]byte, bool, error) {
	i, err := GroupIndex(g, card)
	if err != nil || i < 0 {
		return nil, false, err
	}
	return g[:len(g):len(g)], true, nil
}

// Marked reports whether a list is a marked group.
func Marked(b []byte) bool {
	_, ok := isGroup(b)
	return ok
}

// isGroup reports whether a list is a marked group, and returns the group.
func isGroup(b []byte) ([]byte, bool) {
	if len(b) >= len(marker) && bytes.Equal(b[:len(marker)], marker[:]) {
		return b[len(marker):], true
	}
	return nil, false
}

// errNil is the error of a nil match.
var errNil = errors.New("a match is nil")

// Check returns an error unless ms can be stored with an event: none is
// nil, and those marked Shared are as Shared requires.
func Check(ms []*candor.MatchRecord) error {
	if slices.Contains(ms, nil) {
		return errNil
	}
	_, err := Shared(ms)
	return err
}
