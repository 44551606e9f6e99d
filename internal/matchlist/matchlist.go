package matchlist

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/candor-project/candor"
)

// Max bounds the matches one event's record may hold.
const Max = 1 << 12

// ErrMalformed is the error of a list Candor did not write.
var ErrMalformed = errors.New("an event's list of matches is malformed (written or altered other than by Candor)")

// ErrShared is the error of an event's matches that are marked Shared but
// do not all carry one group of their keys in their order, or of which
// only some are marked.
var ErrShared = errors.New("an event's shared matches must all be shared and carry one group of their scorecard keys in their order")

// Len returns the length of ms's encoding: a marked group if they share
// one (Shared; the caller has checked them with Shared).
func Len(ms []*candor.MatchRecord) int {
	if len(ms) > 0 && ms[0].Shared {
		return len(marker) + len(ms[0].Sealed)
	}
	n := 0
	for _, m := range ms {
		n += 8 + uvarintLen(uint64(len(m.Sealed))) + len(m.Sealed)
	}
	return n
}

// Append appends ms's encoding to dst.
func Append(dst []byte, ms []*candor.MatchRecord) []byte {
	if len(ms) > 0 && ms[0].Shared {
		return append(append(dst, marker[:]...), ms[0].Sealed...)
	}
	for _, m := range ms {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Scorecard))
		dst = binary.AppendUvarint(dst, uint64(len(m.Sealed)))
		dst = append(dst, m.Sealed...)
	}
	return dst
}

// Item is one match of a list: its scorecard and sealed bytes (aliasing
// the list's), and whether they are its group's (candor.MatchRecord.Shared).
type Item struct {
	Card   candor.ScorecardKey
	Sealed []byte
	Shared bool
}

// Decode parses a list. Errors: ErrMalformed.
func Decode(b []byte) ([]Item, error) {
	if g, ok := isGroup(b); ok {
		return DecodeGroup(g)
	}
	var out []Item
	for len(b) > 0 {
		item, rest, err := next(b)
		if err != nil || len(out) == Max {
			return nil, ErrMalformed
		}
		out, b = append(out, item), rest
	}
	return out, nil
}

// Find returns the sealed bytes of the match with card in a list (the
// whole group, for a group), and whether there is one. Errors: ErrMalformed.
func Find(b []byte, card candor.ScorecardKey) ([]byte, bool, error) {
	if g, ok := isGroup(b); ok {
		return FindGroup(g, card)
	}
	for n := 0; len(b) > 0; n++ {
		item, rest, err := next(b)
		if err != nil || n == Max {
			return nil, false, ErrMalformed
		}
		if item.Card == card {
			return item.Sealed, true, nil
		}
		b = rest
	}
	return nil, false, nil
}

func next(b []byte) (Item, []byte, error) {
	if len(b) < 8 {
		return Item{}, nil, ErrMalformed
	}
	card := candor.ScorecardKey(binary.BigEndian.Uint64(b))
	n, w := binary.Uvarint(b[8:])
	if w <= 0 || w != uvarintLen(n) || n > math.MaxInt32 || uint64(len(b)-8-w) < n {
		return Item{}, nil, ErrMalformed
	}
	if n == 0 && card == 0 {
		return Item{}, nil, ErrMalformed // a group's marker, not first
	}
	start, end := 8+w, 8+w+int(n)
	return Item{Card: card, Sealed: b[start:end:end]}, b[end:], nil
}

func uvarintLen(n uint64) int {
	var buf [binary.MaxVarintLen64]byte
	return binary.PutUvarint(buf[:], n)
}
