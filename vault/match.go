package vault

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
)

// A match sealed on its own (a version materialised after its event was
// stored, and every match written before format 6) has for plaintext:
//
//	1 | event type | uvarint rules                                  (no values)
//	2 | event type | uvarint rules | uvarint n | n × varint value   (values)
//	3 | entry                                                       (since format 6)
//
// where an entry, the compact form, names the type by its number in the
// scorecard version (candor.Match.TypeNo) rather than by name:
//
//	uvarint type number | [event type, if the number is 0] | uvarint rules |
//	uvarint n | n × varint value
//
// Version 3 is written when the match has a type number, 1 or 2 when it
// has none; all are read. Its placement (subject, scorecard, occurrence
// time) is authenticated with it, like an event's.
//
// The matches stored with an event (SealWithMatches) are sealed together,
// one seal for all (candor.MatchRecord.Shared, internal/matchlist's
// group), whose plaintext is
//
//	1 | one entry per match, in the order of the group's keys
//
// authenticated with the subject, the occurrence time and the group's
// header (its scorecard keys in order), so a group moved to another
// subject or time, or whose keys were altered, does not open.
const (
	matchValuesVersion  = 2
	matchCompactVersion = 3
	groupVersion        = 1
)

// SealWithMatches appends the sealed form of an event's plaintext to dst
// and seals its matches with the active scorecards together (one group,
// one seal), with one AES-GCM setup. The event's placement (subject and
// occurrence time) is authenticated with it, so a sealed event moved to
// another subject or time does not open. The match records carry their
// scorecard, Shared and the group as their sealed bytes (the same slice
// for all); the store gives them the event's placement when it commits
// the event. There must be at most matchlist.Max matches.
func (k *SubjectKey) SealWithMatches(dst, plaintext []byte, occurredAt time.Time, ms []candor.Match) ([]byte, []*candor.MatchRecord) {
	aead := k.aead()
	var aad [40]byte
	dst = seal(aead, dst, plaintext, k.eventAAD(aad[:0], occurredAt))
	if len(ms) == 0 {
		return dst, nil
	}
	var cards [8]candor.ScorecardKey
	keys := cards[:0]
	var pbuf [64]byte
	plain := append(pbuf[:0], groupVersion)
	for i := range ms {
		keys = append(keys, ms[i].Scorecard)
		plain = appendEntry(plain, &ms[i])
	}
	group := matchlist.AppendGroupHeader(make([]byte, 0, 1+8*len(ms)+aead.NonceSize()+len(plain)+aead.Overhead()), keys)
	var abuf [128]byte
	group = seal(aead, group, plain, k.groupAAD(abuf[:0], occurredAt, group))
	recs := make([]candor.MatchRecord, len(ms))
	out := make([]*candor.MatchRecord, len(ms))
	for i := range ms {
		recs[i] = candor.MatchRecord{Scorecard: ms[i].Scorecard, Shared: true, Sealed: group}
		out[i] = &recs[i]
	}
	return dst, out
}

func (k *SubjectKey) groupAAD(dst []byte, occurredAt time.Time, header []byte) []byte {
	dst = append(dst, "candor/v1/matches/"...)
	dst = append(dst, k.subject[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(occurredAt.UnixNano()))
	return append(dst, header...)
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
	if m.TypeNo > 0 {
		return appendEntry(append(dst, matchCompactVersion), m)
	}
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

// appendEntry appends m's entry, the compact form, to dst.
func appendEntry(dst []byte, m *candor.Match) []byte {
	dst = binary.AppendUvarint(dst, uint64(m.TypeNo))
	if m.TypeNo == 0 {
		dst = appendString(dst, m.Type)
	}
	dst = binary.AppendUvarint(dst, m.Rules)
	dst = binary.AppendUvarint(dst, uint64(len(m.Values)))
	for _, v := range m.Values {
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

// entry decodes one entry into m's type, rules and values.
func (d *decoder) entry(m *candor.Match) {
	m.Type, m.TypeNo = "", 0
	if n := d.uvarint(); n > candor.MaxTypeNo {
		d.fail()
	} else if n == 0 {
		m.Type = d.string()
	} else {
		m.TypeNo = int(n)
	}
	m.Rules = d.uvarint()
	m.Values = nil
	n := d.uvarint()
	if n > candor.MaxCharacteristics {
		d.fail()
	}
	if d.err == nil && n > 0 {
		m.Values = make([]int64, n)
	}
	for i := range m.Values {
		m.Values[i] = d.varint()
	}
}

// decodeGroup decodes the i-th entry of a group's plaintext into m,
// passing over the entries before it without keeping them.
func decodeGroup(plain string, i int, m *candor.Match) error {
	d := decoder{s: plain}
	if d.byte() != groupVersion {
		d.fail()
	}
	for range i {
		var other candor.Match
		d.entry(&other)
	}
	d.entry(m)
	if d.err != nil {
		return errCorrupt
	}
	return nil
}

// decodeMatch decodes a match's plaintext into m's type, rules and values.
func decodeMatch(plain string, m *candor.Match) error {
	d := decoder{s: plain}
	version := d.byte()
	if version == matchCompactVersion {
		d.entry(m)
		if d.err != nil || len(d.s) != 0 {
			return errCorrupt
		}
		return nil
	}
	if version != codecVersion && version != matchValuesVersion {
		d.fail()
	}
	m.Type, m.TypeNo = d.string(), 0
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
// or sealed under another key. Of a group (matches sealed together with
// their event), it returns card's entry alone.
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
		m := candor.Match{Scorecard: card, Event: rec.Event, OccurredAt: rec.OccurredAt, State: rec.State}
		if buf, err = k.openMatch(aead, buf[:0], rec, &m); err != nil {
			return nil, fmt.Errorf("vault: match of event %d of subject %s: %w", rec.Event, rec.Subject, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// openMatch opens rec, of the key's subject, into m's type, rules and
// values, using buf for the plaintext.
func (k *SubjectKey) openMatch(aead cipher.AEAD, buf []byte, rec *candor.MatchRecord, m *candor.Match) ([]byte, error) {
	var aad [128]byte
	if !rec.Shared {
		buf, err := openInto(aead, buf, rec.Sealed, k.matchAAD(aad[:0], rec.Scorecard, rec.OccurredAt))
		if err != nil {
			return buf, fmt.Errorf("does not open: %w", err)
		}
		return buf, decodeMatch(string(buf), m)
	}
	header, _, sealed, err := matchlist.ParseGroup(rec.Sealed)
	if err != nil {
		return buf, err
	}
	i, _ := matchlist.GroupIndex(rec.Sealed, rec.Scorecard)
	if i < 0 {
		return buf, fmt.Errorf("its group holds no match with scorecard %x", rec.Scorecard)
	}
	if buf, err = openInto(aead, buf, sealed, k.groupAAD(aad[:0], rec.OccurredAt, header)); err != nil {
		return buf, fmt.Errorf("does not open: %w", err)
	}
	return buf, decodeGroup(string(buf), i, m)
}
