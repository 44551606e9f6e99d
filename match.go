package candor

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// ScorecardKey names one version of one scorecard in stored matches: the
// first eight bytes of SHA-256 over its ID and version.
type ScorecardKey uint64

// KeyOf returns the key of version v of scorecard id.
func KeyOf(id string, v int) ScorecardKey {
	h := sha256.Sum256([]byte(id + "\x00" + strconv.Itoa(v)))
	return ScorecardKey(binary.BigEndian.Uint64(h[:8]))
}

// A Match is what one event means to one scorecard version: the rules whose
// event types and conditions it meets. It is materialised when the event is
// stored, so a score can be read without opening every event; whether a
// matched rule counts, and for how many points, depends on the instant and
// the event's state, and is worked out when the score is read.
type Match struct {
	Scorecard  ScorecardKey
	Event      EventID
	Type       string
	OccurredAt time.Time
	State      EventState
	Rules      uint64 // bit i set: rule i of the scorecard matches
	// Values, for a version with sum or max characteristics, holds the
	// value (Value.Int) of the field each of them aggregates, one per such
	// characteristic in the scorecard's order, 0 where the event does not
	// count in it; nil for any other version. Only fields a characteristic
	// aggregates are kept, so a match holds nothing the scorecard's
	// purpose may not use (charter points 1-3).
	Values []int64
}

// MatchRecord is a Match as the store holds it: the placement and state in
// the clear, as in EventRecord, the event type, rules and values sealed
// with the subject's data key (they say what kind of fact the event is).
type MatchRecord struct {
	Subject    SubjectID
	Scorecard  ScorecardKey
	OccurredAt time.Time
	Event      EventID // for matches stored with their event, assigned by Store.Commit
	State      EventState
	// Alone marks a match stored on its own (WriteBatch.Matches,
	// PutMatches: a version materialised after its event was stored)
	// rather than with its event; its write commitment is its own.
	Alone  bool
	Sealed []byte
}
