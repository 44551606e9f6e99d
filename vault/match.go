package vault

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/candor-project/candor"
)

// A match's plaintext, before sealing, is version 1 for a match without
// values (every match of a version with no sum or max characteristic, and
// every match written before those existed), version 2 with them:
//
//	1 | event type | uvarint rules
//	2 | event type | uvarint rules | uvarint n | n × varint value
//
// Both are read; version 1 is still written when there are no values, so
// the records of rule scorecards are unchanged. Its placement (subject,
// scorecard, occurrence time) is authenticated with it, like an event's.
const matchValuesVersion = 2

// SealWithMatches appends the sealed form of an event's plaintext to dst
// and seals its matches with the active scorecards, with one AES-GCM setup.
// The event's placement (subject and occurrence time) is authenticated with
// it, so a sealed event moved to another subject or time does not open. The
// match records carry their scorecard and sealed bytes; the store gives
// them the event's placement when it commits the event.
func (k *SubjectKey) SealWithMatches(dst, plaintext []byte, occurredAt time.Time, ms []candor.Match) ([]byte, []*candor.MatchRecord) {
	aead := k.aead()
	var aad [40]byte
	dst = seal(aead, dst, plaintext, k.eventAAD(aad[:0], occurredAt))
	if len(ms) == 0 {
		return dst, nil
	}
	recs := make([]candor.MatchRecord, len(ms))
	out := make([]*candor.MatchRecord, len(ms))
	for i := range ms {
		recs[i] = candor.MatchRecord{Scorecard: ms[i].Scorecard, Sealed: k.sealMatch(aead, &ms[i], occurredAt)}
		out[i] = &recs[i]
	}
	return dst, out
}

// SealMatches seals matches of stored events (for a scorecard version
// activated after they were stored) into records ready for PutMatches.
func (k *SubjectKey) SealMatches(ms []candor.Match) []*candor.MatchRecord {
	aead := k.aead()
	out := make([]*candor.MatchRecord, len(ms))
	for i := range ms {
		m := &ms[i]
		out[i] = &candor.MatchRecord{Subject: k.subject, Scorecard: m.Scorecard, OccurredAt: m.OccurredAt,
			Event: m.Event, State: m.State, Sealed: k.sealMatch(aead, m, m.OccurredAt)}
	}
	return out
}

func (k *SubjectKey) sealMatch(aead cipher.AEAD, m *candor.Match, occurredAt time.Time) []byte {
	var buf [64]byte
	var aad [56]byte
	return seal(aead, nil, encodeMatch(buf[:0], m), k.matchAAD(aad[:0], m.Scorecard, occurredAt))
}

// encodeMatch appends m's plaintext to dst.
func encodeMatch(dst []byte, m *candor.Match) []byte {
	if len(m.Values) == 0 {
		dst = append(dst, codecVersion)
	} else {
		dst = append(dst, matchValuesVersion)
	}
	dst = appendString(dst, m.Type)
	dst = binary.AppendUvarint(dst, m.Rules)
	if len(m.Values) == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(m.Values)))
	for _, v := range m.Values {
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

// decodeMatch decodes a match's plaintext into m's type, rules and values.
func decodeMatch(plain string, m *candor.Match) error {
	d := decoder{s: plain}
	version := d.byte()
	if version != codecVersion && version != matchValuesVersion {
		d.fail()
	}
	m.Type = d.string()
	m.Rules = d.uvarint()
	m.Values = nil
	if version == matchValuesVersion {
		n := d.uvarint()
		if n == 0 || n > candor.MaxCharacteristics {
			d.fail()
		}
		if d.err == nil {
			m.Values = make([]int64, n)
		}
		for i := range m.Values {
			m.Values[i] = d.varint()
		}
	}
	if d.err != nil || len(d.s) != 0 {
		return errCorrupt
	}
	return nil
}

func (k *SubjectKey) matchAAD(dst []byte, card candor.ScorecardKey, occurredAt time.Time) []byte {
	dst = append(dst, "candor/v1/match/"...)
	dst = append(dst, k.subject[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(card))
	return binary.BigEndian.AppendUint64(dst, uint64(occurredAt.UnixNano()))
}

// ReadMatches reads and opens the key's subject's stored matches with one
// scorecard version, in time order. It fails if a record was altered, moved
// or sealed under another key.
func (k *SubjectKey) ReadMatches(ctx context.Context, store candor.EventStore, card candor.ScorecardKey) ([]candor.Match, error) {
	aead := k.aead()
	var out []candor.Match
	var buf []byte
	for rec, err := range store.Matches(ctx, k.subject, card) {
		if err != nil {
			return nil, err
		}
		if rec.Subject != k.subject || rec.Scorecard != card {
			return nil, fmt.Errorf("vault: the store returned a match of subject %s, scorecard %x for %s, %x", rec.Subject, rec.Scorecard, k.subject, card)
		}
		var aad [56]byte
		if buf, err = openInto(aead, buf[:0], rec.Sealed, k.matchAAD(aad[:0], card, rec.OccurredAt)); err != nil {
			return nil, fmt.Errorf("vault: match of event %d of subject %s does not open: %w", rec.Event, rec.Subject, err)
		}
		m := candor.Match{Scorecard: card, Event: rec.Event, OccurredAt: rec.OccurredAt, State: rec.State}
		if err := decodeMatch(string(buf), &m); err != nil {
			return nil, fmt.Errorf("vault: match of event %d of subject %s: %w", rec.Event, rec.Subject, err)
		}
		out = append(out, m)
	}
	return out, nil
}
