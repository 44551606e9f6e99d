package postgres

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"

	"github.com/candor-project/candor"
)

// The matches an event is stored with (candor.EventRecord.Matches) are
// kept in its row's matches column rather than as rows of candor_matches:
// for each, its scorecard key (8 bytes, big-endian), then the length of
// its sealed bytes (uvarint) and those bytes; NULL for none. Their state
// is the event's, and they are never Alone. A match stored on its own for
// the same scorecard and event (candor_matches) replaces one kept so.

// maxEmbedded bounds the matches one event's row may hold.
const maxEmbedded = 1 << 12

// encodeMatches returns the matches column of an event stored with ms, or
// nil for none.
func encodeMatches(ms []*candor.MatchRecord) []byte {
	if len(ms) == 0 {
		return nil
	}
	n := 0
	for _, m := range ms {
		n += 8 + binary.MaxVarintLen64 + len(m.Sealed)
	}
	b := make([]byte, 0, n)
	for _, m := range ms {
		b = binary.BigEndian.AppendUint64(b, uint64(m.Scorecard))
		b = binary.AppendUvarint(b, uint64(len(m.Sealed)))
		b = append(b, m.Sealed...)
	}
	return b
}

// embedded is one match kept in an event's row: its scorecard and sealed
// bytes (aliasing the column's).
type embedded struct {
	card   candor.ScorecardKey
	sealed []byte
}

var errMalformedMatches = errors.New("an event's matches column is malformed (written or altered other than by Candor)")

// decodeMatches parses a matches column.
func decodeMatches(b []byte) ([]embedded, error) {
	var out []embedded
	for len(b) > 0 {
		if len(b) < 8 || len(out) == maxEmbedded {
			return nil, errMalformedMatches
		}
		card := candor.ScorecardKey(binary.BigEndian.Uint64(b))
		n, w := binary.Uvarint(b[8:])
		var canonical [binary.MaxVarintLen64]byte
		if w <= 0 || w != binary.PutUvarint(canonical[:], n) || n > math.MaxInt32 || uint64(len(b)-8-w) < n {
			return nil, errMalformedMatches
		}
		start := 8 + w
		out = append(out, embedded{card: card, sealed: b[start : start+int(n) : start+int(n)]})
		b = b[start+int(n):]
	}
	return out, nil
}

// findMatch returns the sealed bytes of the match with card kept in a
// matches column, and whether there is one.
func findMatch(b []byte, card candor.ScorecardKey) ([]byte, bool, error) {
	ms, err := decodeMatches(b)
	if err != nil {
		return nil, false, err
	}
	for _, m := range ms {
		if m.card == card {
			return m.sealed, true, nil
		}
	}
	return nil, false, nil
}

// mergeMatches returns an event's matches: those stored on their own
// (alone) and those kept in its row (column), the former replacing the
// latter for the same scorecard, in scorecard key order.
func mergeMatches(ref candor.EventRef, state candor.EventState, column []byte, alone []*candor.MatchRecord) ([]*candor.MatchRecord, error) {
	kept, err := decodeMatches(column)
	if err != nil {
		return nil, err
	}
	out := alone
	for _, k := range kept {
		if slices.ContainsFunc(alone, func(m *candor.MatchRecord) bool { return m.Scorecard == k.card }) {
			continue
		}
		out = append(out, &candor.MatchRecord{Subject: ref.Subject, Scorecard: k.card, OccurredAt: ref.OccurredAt, Event: ref.ID,
			State: state, Sealed: slices.Clone(k.sealed)})
	}
	slices.SortFunc(out, func(a, b *candor.MatchRecord) int {
		switch {
		case a.Scorecard < b.Scorecard:
			return -1
		case a.Scorecard > b.Scorecard:
			return 1
		}
		return 0
	})
	return out, nil
}
