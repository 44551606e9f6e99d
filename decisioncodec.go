package candor

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// A stored decision (the plaintext of a RecordDecision record) is binary
// since issue 16: about half the bytes of its JSON, and encoded without
// formatting times, floats or escaping keys on every decision taken.
// Decisions stored before are JSON objects, which DecodeDecision still
// reads: a JSON object starts with '{', never with decisionV1.
//
//	decisionV1(1)
//	id, relying party, consent, purpose name, benefit, outcome name,
//	    grade, scorecard: each a uvarint length and its bytes
//	subject(16)
//	scorecard version: uvarint
//	at, valid until: each a varint of Unix seconds and a uvarint of
//	    nanoseconds (< 1e9), read back in UTC
//	known through: uvarint
//	reasons: uvarint, 0 for none (nil), else 1 + their count, each
//	    code, text, rule (uvarint length and bytes) and points (float64
//	    bits, big-endian)
//	review: 0 for none, or 1 and its JSON (uvarint length and bytes): rare,
//	    and written when a review is asked for or closed
const decisionV1 = 0x01

// maxDecisionString bounds each string of a stored decision, far above
// what a decision holds (IDs, names and a reason's text).
const maxDecisionString = 1 << 16

// maxDecisionReasons bounds a stored decision's reasons.
const maxDecisionReasons = 1 << 10

// AppendBinary appends d's stored encoding to b (encoding.BinaryAppender).
// Errors: EINVALID for an unknown purpose or outcome, a negative
// scorecard version, a string longer than 64 KiB, more than 1,024
// reasons, or a review that does not encode.
func (d *Decision) AppendBinary(b []byte) ([]byte, error) {
	if d.Purpose == 0 || d.Purpose >= numPurposes || d.Outcome == 0 || d.Outcome >= numOutcomes {
		return b, Errorf(EINVALID, "decision %s: purpose %d, outcome %d", d.ID, d.Purpose, d.Outcome)
	}
	purpose, outcome := d.Purpose.String(), d.Outcome.String() // (their MarshalText allocates)
	var err error
	if d.ScorecardVersion < 0 || len(d.Reasons) > maxDecisionReasons {
		return b, Errorf(EINVALID, "decision %s: scorecard version %d, %d reasons", d.ID, d.ScorecardVersion, len(d.Reasons))
	}
	b = append(b, decisionV1)
	for _, s := range [...]string{d.ID, d.RelyingParty, d.Consent, purpose, d.Benefit, outcome, d.Grade, d.Scorecard} {
		if b, err = appendDecisionString(b, s); err != nil {
			return b, err
		}
	}
	for _, t := range [...]time.Time{d.At, d.ValidUntil} {
		if sec := t.Unix(); sec < minDecisionTime || sec > maxDecisionTime {
			return b, Errorf(EINVALID, "decision %s: time %s outside the years 0 to 9999", d.ID, t)
		}
	}
	b = append(b, d.Subject[:]...)
	b = binary.AppendUvarint(b, uint64(d.ScorecardVersion))
	b = appendDecisionTime(b, d.At)
	b = appendDecisionTime(b, d.ValidUntil)
	b = binary.AppendUvarint(b, uint64(d.KnownThrough))
	if d.Reasons == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(d.Reasons))+1)
	}
	for _, r := range d.Reasons {
		for _, s := range [...]string{r.Code, r.Text, r.Rule} {
			if b, err = appendDecisionString(b, s); err != nil {
				return b, err
			}
		}
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Points))
	}
	if d.Review == nil {
		return append(b, 0), nil
	}
	review, err := json.Marshal(d.Review)
	if err != nil {
		return b, Errorf(EINVALID, "decision %s: review: %v", d.ID, err)
	}
	b = append(b, 1)
	return appendDecisionString(b, string(review))
}

// MarshalBinary returns d's stored encoding (see AppendBinary).
func (d *Decision) MarshalBinary() ([]byte, error) { return d.AppendBinary(nil) }

func appendDecisionString(b []byte, s string) ([]byte, error) {
	if len(s) > maxDecisionString {
		return b, Errorf(EINVALID, "decision: a string of %d bytes, more than %d", len(s), maxDecisionString)
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...), nil
}

func appendDecisionTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

var errDecisionCorrupt = errors.New("decision: malformed encoding")

// UnmarshalBinary decodes exactly what AppendBinary produces, and nothing
// else: every byte must be accounted for, every number minimally encoded.
func (d *Decision) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != decisionV1 {
		return errDecisionCorrupt
	}
	r := decisionReader{rest: data[1:]}
	var out Decision
	var purpose, outcome string
	for _, s := range [...]*string{&out.ID, &out.RelyingParty, &out.Consent, &purpose, &out.Benefit, &outcome, &out.Grade, &out.Scorecard} {
		*s = r.string()
	}
	copy(out.Subject[:], r.bytes(len(out.Subject)))
	version := r.uvarint()
	out.At, out.ValidUntil = r.time(), r.time()
	out.KnownThrough = EventID(r.uvarint())
	if n := r.uvarint(); n > 0 && n <= maxDecisionReasons+1 && r.err == nil {
		out.Reasons = make([]Reason, n-1)
		for i := range out.Reasons {
			x := &out.Reasons[i]
			x.Code, x.Text, x.Rule = r.string(), r.string(), r.string()
			x.Points = math.Float64frombits(binary.BigEndian.Uint64(r.bytes(8)))
		}
	} else if n > maxDecisionReasons+1 {
		r.fail()
	}
	switch r.byte() {
	case 0:
	case 1:
		review := r.string()
		if r.err == nil {
			out.Review = new(Review)
			// only the JSON AppendBinary writes: the encoding is canonical
			if json.Unmarshal([]byte(review), out.Review) != nil {
				r.fail()
			} else if again, err := json.Marshal(out.Review); err != nil || string(again) != review {
				r.fail()
			}
		}
	default:
		r.fail()
	}
	if r.err != nil || len(r.rest) != 0 || version > math.MaxInt32 {
		return errDecisionCorrupt
	}
	out.ScorecardVersion = int(version)
	if out.Purpose.UnmarshalText([]byte(purpose)) != nil || out.Outcome.UnmarshalText([]byte(outcome)) != nil {
		return errDecisionCorrupt
	}
	*d = out
	return nil
}

// DecodeDecision reads a stored decision into d: binary (AppendBinary),
// or JSON as decisions were stored before issue 16.
func DecodeDecision(data []byte, d *Decision) error {
	if len(data) > 0 && data[0] == '{' {
		*d = Decision{}
		if err := json.Unmarshal(data, d); err != nil {
			return fmt.Errorf("decision: %w", err)
		}
		return nil
	}
	return d.UnmarshalBinary(data)
}

// decisionReader reads a stored decision; after its first error it reads
// zeros and empty strings.
type decisionReader struct {
	rest []byte
	err  error
}

func (r *decisionReader) fail() { r.err, r.rest = errDecisionCorrupt, nil }

func (r *decisionReader) bytes(n int) []byte {
	if r.err != nil || len(r.rest) < n {
		r.fail()
		return make([]byte, n)
	}
	b := r.rest[:n]
	r.rest = r.rest[n:]
	return b
}

func (r *decisionReader) byte() byte { return r.bytes(1)[0] }

func (r *decisionReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.rest)
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		r.fail()
		return 0
	}
	r.rest = r.rest[n:]
	return v
}

func (r *decisionReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.rest)
	if n <= 0 || n != len(binary.AppendVarint(nil, v)) {
		r.fail()
		return 0
	}
	r.rest = r.rest[n:]
	return v
}

func (r *decisionReader) string() string {
	n := r.uvarint()
	if n > maxDecisionString || n > uint64(len(r.rest)) {
		r.fail()
		return ""
	}
	return string(r.bytes(int(n)))
}

// The times a stored decision can hold, in Unix seconds: those JSON could
// (the years 0 to 9999).
const (
	minDecisionTime = -62167219200 // 0000-01-01T00:00:00Z
	maxDecisionTime = 253402300799 // 9999-12-31T23:59:59Z
)

func (r *decisionReader) time() time.Time {
	sec, nsec := r.varint(), r.uvarint()
	if nsec >= 1e9 || sec < minDecisionTime || sec > maxDecisionTime {
		r.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}
