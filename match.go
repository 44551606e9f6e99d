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
	Scorecard ScorecardKey
	Event     EventID
	// Type names the event's type. A match stored since the Pebble format
	// 6 (PostgreSQL schema 7) does not hold the name: it holds TypeNo, the
	// type's position in its scorecard version's EventTypes plus one, and
	// is read back with Type empty. A version's EventTypes never change,
	// so the number names the same type for as long as the version is
	// stored. A reader resolves whichever it gets; a writer sets both (or
	// TypeNo 0 when it does not know it: the name is then stored).
	Type       string
	TypeNo     int
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

// MaxTypeNo bounds Match.TypeNo.
const MaxTypeNo = 1 << 16

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
	Alone bool
	// Shared marks a match stored with its event whose seal is that of all
	// the matches the event was stored with: one seal (one nonce, one tag)
	// for all of them rather than one each, the same bytes in Sealed for
	// each (internal/matchlist's group: the scorecard keys in the clear,
	// then the seal). A store keeps the group once and gives it back, with
	// Shared set, as each of those matches; a reader of one scorecard's
	// matches opens the group and decodes only that scorecard's entry.
	//
	// The group does not widen what a scorecard's reader may see: every
	// match of a subject is sealed with the subject's one data key, so
	// the separation between scorecards' matches has always been that of
	// the code that opens them (vault.ReadMatches returns the entries of
	// the scorecard asked for, and decodes no other), never that of the
	// cryptography; and an entry holds only what its own scorecard's
	// purpose may use (its rule bits, its type number, the fields its
	// characteristics aggregate).
	Shared bool
	Sealed []byte
}
