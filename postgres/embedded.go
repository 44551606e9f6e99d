package postgres

import (
	"slices"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
)

// The matches an event is stored with (candor.EventRecord.Matches) are
// kept in its row's matches column (internal/matchlist; NULL for none)
// rather than as rows of candor_matches. Their state is the event's, and
// they are never Alone. Since schema 7 they are one group, all sealed
// together (candor.MatchRecord.Shared), marked as internal/matchlist says. A match stored on its own for the same scorecard
// and event (candor_matches) replaces one kept so.

// encodeMatches returns the matches column of an event stored with ms, or
// nil for none.
func encodeMatches(ms []*candor.MatchRecord) []byte {
	if len(ms) == 0 {
		return nil
	}
	return matchlist.Append(make([]byte, 0, matchlist.Len(ms)), ms)
}

// mergeMatches returns an event's matches: those stored on their own
// (alone) and those kept in its row (column), the former replacing the
// latter for the same scorecard, in scorecard key order.
func mergeMatches(ref candor.EventRef, state candor.EventState, column []byte, alone []*candor.MatchRecord) ([]*candor.MatchRecord, error) {
	kept, err := matchlist.Decode(column)
	if err != nil {
		return nil, err
	}
	out := alone
	for _, k := range kept {
		if slices.ContainsFunc(alone, func(m *candor.MatchRecord) bool { return m.Scorecard == k.Card }) {
			continue
		}
		out = append(out, &candor.MatchRecord{Subject: ref.Subject, Scorecard: k.Card, OccurredAt: ref.OccurredAt, Event: ref.ID,
			State: state, Shared: k.Shared, Sealed: slices.Clone(k.Sealed)})
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
