package httpapi

import "github.com/candor-project/candor/internal/jsonenc"

// jsonAppender is a response that appends its own JSON, as an Encoder
// with SetEscapeHTML(false) writes it (without the newline): encode uses
// it instead of reflection.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendJSON implements jsonAppender: a decision's answer is encoded once
// for every decision taken. TestDecisionAnswerEncoding compares it with
// encoding/json.
func (d *decisionForPartyJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"decision_id":`...)
	b = jsonenc.String(b, d.DecisionID, false)
	b = append(b, `,"outcome":`...)
	b = jsonenc.String(b, d.Outcome, false)
	b = append(b, `,"grade":`...)
	b = jsonenc.String(b, d.Grade, false)
	b = append(b, `,"scorecard_id":`...)
	b = jsonenc.String(b, d.ScorecardID, false)
	b = append(b, `,"scorecard_version":`...)
	b = jsonenc.Int(b, int64(d.ScorecardVersion))
	b = append(b, `,"reasons":`...)
	if d.Reasons == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range d.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = jsonenc.String(b, r.Code, false)
			b = append(b, `,"text":`...)
			b = jsonenc.String(b, r.Text, false)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"valid_until":`...)
	b, err := jsonenc.Time(b, d.ValidUntil)
	if err != nil {
		return b, err
	}
	b = append(b, `,"how_to_contest":`...)
	b = jsonenc.String(b, d.HowToContest, false)
	return append(b, '}'), nil
}
