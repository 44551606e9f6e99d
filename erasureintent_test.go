package candor_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func sampleIntent() *candor.ErasureIntent {
	sub := candor.NewSubjectID()
	return &candor.ErasureIntent{
		Erasure: candor.Erasure{Subject: sub, Events: 3, Access: 2},
		Unindex: []candor.BlindIndex{{1, 2}, {3}},
		Retire:  []candor.Commitment{{9}, {8, 7}, {6}},
		Keep:    []*candor.Record{candor.ErasedRecord(candor.DedupeKey{5}, time.Unix(1900000000, 0))},
		At:      time.Unix(1800000000, 42).UTC(),
	}
}

// TestErasureIntentRoundTrip: an intent reads back as it was written, and
// a record cut short, lengthened, of another subject or of another kind
// is refused.
func TestErasureIntentRoundTrip(t *testing.T) {
	x := sampleIntent()
	r := x.Record()
	if r.Kind != candor.RecordErasing || r.Subject != x.Erasure.Subject || r.ID != x.Erasure.Subject.String() {
		t.Fatalf("record %+v: want an intent about the subject, by its ID", r)
	}
	got, err := candor.ParseErasureIntent(r)
	if err != nil || !reflect.DeepEqual(got, x) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, x)
	}
	bad := map[string]*candor.Record{
		"cut short":       {Kind: r.Kind, ID: r.ID, Subject: r.Subject, Data: r.Data[:len(r.Data)-1]},
		"lengthened":      {Kind: r.Kind, ID: r.ID, Subject: r.Subject, Data: append(bytes.Clone(r.Data), 0)},
		"another subject": {Kind: r.Kind, ID: candor.NewSubjectID().String(), Subject: r.Subject, Data: r.Data},
		"another kind":    {Kind: candor.RecordErased, ID: r.ID, Subject: r.Subject, Data: r.Data},
		"empty":           {Kind: r.Kind, ID: r.ID, Subject: r.Subject},
	}
	for name, b := range bad {
		if _, err := candor.ParseErasureIntent(b); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

// FuzzParseErasureIntent: no input panics or allocates beyond its
// length, and what parses encodes back to the same bytes.
func FuzzParseErasureIntent(f *testing.F) {
	f.Add(sampleIntent().Record().Data)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255, 15})
	sub := candor.NewSubjectID()
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := candor.ParseErasureIntent(&candor.Record{Kind: candor.RecordErasing, ID: sub.String(), Subject: sub, Data: data})
		if err != nil {
			return
		}
		if again := x.Record().Data; !bytes.Equal(again, data) {
			t.Fatalf("%x parsed, then encoded as %x", data, again)
		}
	})
}
