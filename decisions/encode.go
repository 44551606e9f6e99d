package decisions

import (
	"encoding/json"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/jsonenc"
)

// plainBufs holds buffers for decisions' plaintext, which SealRecord
// copies into the record.
var plainBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendDecision appends d as json.Marshal writes it (the stored form of
// a decision, which readers open with encoding/json), without reflection:
// a decision is encoded once for every one taken.
// TestDecisionEncoding compares the two over decisions with every field set.
func appendDecision(b []byte, d *candor.Decision) ([]byte, error) {
	purpose, err := d.Purpose.MarshalText()
	if err != nil {
		return b, err
	}
	outcome, err := d.Outcome.MarshalText()
	if err != nil {
		return b, err
	}
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, d.ID, true)
	b = append(b, `,"subject":"`...)
	b = append(b, d.Subject.String()...)
	b = append(b, `","relying_party":`...)
	b = jsonenc.String(b, d.RelyingParty, true)
	b = append(b, `,"consent":`...)
	b = jsonenc.String(b, d.Consent, true)
	b = append(b, `,"purpose":`...)
	b = jsonenc.String(b, string(purpose), true)
	b = append(b, `,"benefit":`...)
	b = jsonenc.String(b, d.Benefit, true)
	b = append(b, `,"outcome":`...)
	b = jsonenc.String(b, string(outcome), true)
	b = append(b, `,"grade":`...)
	b = jsonenc.String(b, d.Grade, true)
	b = append(b, `,"scorecard":`...)
	b = jsonenc.String(b, d.Scorecard, true)
	b = append(b, `,"scorecard_version":`...)
	b = jsonenc.Int(b, int64(d.ScorecardVersion))
	b = append(b, `,"reasons":`...)
	if b, err = appendReasons(b, d.Reasons); err != nil {
		return b, err
	}
	b = append(b, `,"at":`...)
	if b, err = jsonenc.Time(b, d.At); err != nil {
		return b, err
	}
	b = append(b, `,"valid_until":`...)
	if b, err = jsonenc.Time(b, d.ValidUntil); err != nil {
		return b, err
	}
	b = append(b, `,"known_through":`...)
	b = jsonenc.Uint(b, uint64(d.KnownThrough))
	if d.Review != nil { // rare: after a review was asked for
		review, err := json.Marshal(d.Review)
		if err != nil {
			return b, err
		}
		b = append(b, `,"review":`...)
		b = append(b, review...)
	}
	return append(b, '}'), nil
}

func appendReasons(b []byte, rs []candor.Reason) ([]byte, error) {
	if rs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Code":`...)
		b = jsonenc.String(b, r.Code, true)
		b = append(b, `,"Text":`...)
		b = jsonenc.String(b, r.Text, true)
		b = append(b, `,"Rule":`...)
		b = jsonenc.String(b, r.Rule, true)
		b = append(b, `,"Points":`...)
		var err error
		if b, err = jsonenc.Float(b, r.Points); err != nil {
			return b, err
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}
