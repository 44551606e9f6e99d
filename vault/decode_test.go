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
