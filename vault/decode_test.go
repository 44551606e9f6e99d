package vault

import (
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// FuzzDecodeEvent feeds the event decoder arbitrary plaintexts (a stored
// record that opened under the right key but was written by something
// else): it must fail cleanly or decode an event that encodes to bytes
// that decode to the same event. (Varints need not be minimal, so the
// bytes themselves may differ.)
func FuzzDecodeEvent(f *testing.F) {
	ev := &candor.ValidEvent{
		SourceEventID: "bank7-000123",
		Type:          &candor.EventType{Name: "credit.instalment_late"},
		OccurredAt:    time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
		Fields: []candor.Field{
			{Name: "days_late", Value: candor.Value{Type: candor.FieldInt, Int: -45}},
			{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: "EUR"}},
			{Name: "note", Value: candor.Value{Type: candor.FieldText, Str: string(make([]byte, 300))}},
		},
	}
	plain, _ := EncodeEvent(nil, "bank7", time.Date(2026, 3, 15, 1, 2, 3, 0, time.UTC), ev)
	f.Add(plain)
	f.Add(plain[:len(plain)-1])
	f.Add([]byte{codecVersion, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var got candor.Event
		fields, err := decodeEvent(string(b), &got, nil)
		if err != nil {
			return
		}
		got.Fields = fields
		typ := &candor.EventType{Name: got.Type}
		again, _ := EncodeEvent(nil, got.Source, got.RecordedAt, &candor.ValidEvent{SourceEventID: got.SourceEventID,
			Type: typ, OccurredAt: got.OccurredAt, Fields: got.Fields})
		var back candor.Event
		backFields, err := decodeEvent(string(again), &back, nil)
		back.Fields = backFields
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Fatalf("decoded %+v from %x, which encodes to %x, which decodes to %+v (%v)", got, b, again, back, err)
		}
	})
}

// A match written before matches held values (version 1: type and rules)
// still reads, with no values; one with values (version 2) reads back as
// written; the version byte decides, and anything else is refused.
func TestDecodeMatchVersions(t *testing.T) {
	v1 := []byte{1, 22}
	v1 = append(v1, "credit.instalment_late"...)
	v1 = append(v1, 0x85, 0x01) // rules 133
	var m candor.Match
	if err := decodeMatch(string(v1), &m); err != nil || m.Type != "credit.instalment_late" || m.Rules != 133 || m.Values != nil {
		t.Fatalf("version 1: %+v, %v", m, err)
	}
	if got := encodeMatch(nil, &candor.Match{Type: "credit.instalment_late", Rules: 133}); string(got) != string(v1) {
		t.Errorf("a match without values encodes as %x, not version 1 %x", got, v1)
	}
	v2 := append([]byte{2}, v1[1:]...)
	v2 = append(v2, 2, 90, 0x01) // two values: 45 and -1 (zig-zag)
	if err := decodeMatch(string(v2), &m); err != nil || m.Rules != 133 || !reflect.DeepEqual(m.Values, []int64{45, -1}) {
		t.Fatalf("version 2: %+v, %v", m, err)
	}
	for name, b := range map[string][]byte{
		"version 4":           append([]byte{4}, v1[1:]...),
		"type number too big": {3, 0x81, 0x80, 0x04, 1, 0}, // 65537
		"too many values (3)": {3, 1, 1, 33},
		"values in version 1": append(append([]byte{}, v1...), 2, 90, 1),
		"no values in 2":      append(append([]byte{2}, v1[1:]...), 0),
		"too many values":     append(append([]byte{2}, v1[1:]...), 33),
		"short":               v2[:len(v2)-1],
	} {
		if err := decodeMatch(string(b), &m); err == nil {
			t.Errorf("%s: decoded %+v", name, m)
		}
	}
}

// FuzzDecodeMatch: any plaintext decodes cleanly or fails; what decodes
// encodes to bytes that decode to the same match.
func FuzzDecodeMatch(f *testing.F) {
	f.Add(encodeMatch(nil, &candor.Match{Type: "credit.instalment_late", Rules: 5}))
	f.Add(encodeMatch(nil, &candor.Match{Type: "credit.default", Rules: 1 << 63, Values: []int64{1, -2, 1 << 40}}))
	f.Add([]byte{2, 0, 0, 0x80})
	f.Add(encodeMatch(nil, &candor.Match{TypeNo: 3, Rules: 5, Values: []int64{-9}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m candor.Match
		if decodeMatch(string(b), &m) != nil {
			return
		}
		var back candor.Match
		if err := decodeMatch(string(encodeMatch(nil, &m)), &back); err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("decoded %+v from %x; again %+v, %v", m, b, back, err)
		}
	})
}

// FuzzDecodeGroup: any group plaintext decodes cleanly or fails, for any
// entry; what decodes as entry i is what appendEntry wrote there.
func FuzzDecodeGroup(f *testing.F) {
	two := appendEntry(appendEntry([]byte{groupVersion}, &candor.Match{TypeNo: 1, Rules: 3}), &candor.Match{Type: "x", Rules: 1, Values: []int64{4}})
	f.Add(two, 1)
	f.Add(two, 0)
	f.Add([]byte{groupVersion, 0x80}, 0)
	f.Fuzz(func(t *testing.T, b []byte, i int) {
		if i < 0 || i > 64 {
			return
		}
		var m candor.Match
		if decodeGroup(string(b), i, &m) != nil {
			return
		}
		var back candor.Match
		if err := decodeGroup(string(appendEntry([]byte{groupVersion}, &m)), 0, &back); err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("decoded %+v from entry %d of %x; again %+v, %v", m, i, b, back, err)
		}
	})
}
