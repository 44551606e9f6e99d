package pebble_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
)

// FuzzDecode feeds arbitrary keys and values to every record decoder: a
// corrupt record must be an error, never a panic.
func FuzzDecode(f *testing.F) {
	sub := candor.SubjectID{1, 2, 3}
	f.Add([]byte{}, []byte{})
	f.Add(sub[:], pebble.EncodeSubject(&candor.SubjectRecord{ID: sub, Kind: candor.Person, Sealed: []byte("sealed")}))
	f.Add(sub[:], []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 9})
	f.Add([]byte("\x04\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"), bytes.Repeat([]byte{1}, 60))
	f.Add([]byte{}, []byte(`{"v":1,"id":"bank7","name":"Bank","kind":2}`))
	f.Add([]byte{}, []byte(`{"v":1,"id":"abc","role":1,"hash":"00"}`))
	f.Add(sub[:], []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	eventKey := []byte("\x04\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01")
	f.Add(eventKey, pebble.EncodeEvent(&candor.EventRecord{Sealed: []byte("sealed"),
		Matches: []*candor.MatchRecord{{Scorecard: 7, Sealed: []byte("m7")}, {Scorecard: 9}}}))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		pebble.DecodeAll(k, v)
	})
}

// FuzzSubjectRoundTrip checks that any subject record decodes to itself.
func FuzzSubjectRoundTrip(f *testing.F) {
	f.Add(uint8(1), int64(0), int64(0), []byte("sealed"))
	f.Add(uint8(2), int64(-62135596800), int64(0), []byte{})
	f.Add(uint8(0), int64(1<<40), int64(999999999), bytes.Repeat([]byte{0x80}, 200))
	f.Fuzz(func(t *testing.T, kind uint8, sec, nsec int64, sealed []byte) {
		if nsec < 0 || nsec > 999999999 {
			t.Skip()
		}
		r := &candor.SubjectRecord{
			ID: candor.SubjectID{9}, Kind: candor.SubjectKind(kind),
			CreatedAt: time.Unix(sec, nsec).UTC(), Sealed: sealed,
		}
		got, err := pebble.DecodeSubject(r.ID, pebble.EncodeSubject(r))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if got.ID != r.ID || got.Kind != r.Kind || !got.CreatedAt.Equal(r.CreatedAt) ||
			!bytes.Equal(got.Sealed, r.Sealed) {
			t.Fatalf("round trip: got %+v, want %+v", got, r)
		}
	})
}
