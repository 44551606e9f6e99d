package registrydoc_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/registrydoc"
)

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	src := &candor.Source{ID: "bank", Name: "A bank", Kind: candor.SourceKind(2), AllowedTypes: []string{"loan.repaid"}, CreatedAt: at}
	doc, err := registrydoc.EncodeSource(src)
	if err != nil {
		t.Fatal(err)
	}
	back, err := registrydoc.DecodeSource(doc)
	if err != nil || !reflect.DeepEqual(back, src) {
		t.Fatalf("source back as %+v, %v; want %+v", back, err, src)
	}
	k := &candor.APIKey{ID: "k1", Role: candor.Role(1), Principal: "bank", CreatedAt: at, RevokedAt: at.Add(time.Hour)}
	k.Hash[0], k.Hash[len(k.Hash)-1] = 0xab, 0xcd
	doc, err = registrydoc.EncodeAPIKey(k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := registrydoc.DecodeAPIKey(doc)
	if err != nil || !reflect.DeepEqual(kb, k) {
		t.Fatalf("key back as %+v, %v; want %+v", kb, err, k)
	}
}

func TestRefusesCorrupt(t *testing.T) {
	for _, doc := range []string{
		``, `{}`, `{"v":2,"id":"bank"}`, `{"v":1,"id":`, `[1]`,
	} {
		if _, err := registrydoc.DecodeSource([]byte(doc)); !errors.Is(err, registrydoc.ErrCorrupt) {
			t.Errorf("source %q: %v, want ErrCorrupt", doc, err)
		}
	}
	for _, doc := range []string{
		`{"v":1,"id":"k","hash":"ab"}`,                          // short hash
		`{"v":1,"id":"k","hash":"` + string(make64('z')) + `"}`, // not hex
		`{"v":0,"id":"k","hash":"` + string(make64('a')) + `"}`, // version
	} {
		if _, err := registrydoc.DecodeAPIKey([]byte(doc)); !errors.Is(err, registrydoc.ErrCorrupt) {
			t.Errorf("key %q: %v, want ErrCorrupt", doc, err)
		}
	}
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

// FuzzDecode: whatever the bytes, decoding fails cleanly or yields a
// value whose document decodes to a value with the same document (times
// with an offset come back in a zone of their own, so values are compared
// by their documents).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"bank","name":"A bank","kind":2,"created_at":"2026-12-07T01:00:00Z"}`))
	f.Add([]byte(`{"v":1,"id":"bank","created_at":"2026-12-07T01:00:00+01:00"}`))
	f.Add([]byte(`{"v":1,"id":"k1","role":1,"principal":"bank","hash":"` + string(make64('0')) + `"}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if src, err := registrydoc.DecodeSource(doc); err == nil {
			again, err := registrydoc.EncodeSource(src)
			if err != nil {
				t.Fatal(err)
			}
			back, err := registrydoc.DecodeSource(again)
			if err != nil {
				t.Fatalf("source %s does not decode: %v", again, err)
			}
			if twice, _ := registrydoc.EncodeSource(back); string(twice) != string(again) {
				t.Fatalf("source %s came back as %s", again, twice)
			}
		}
		if k, err := registrydoc.DecodeAPIKey(doc); err == nil {
			again, err := registrydoc.EncodeAPIKey(k)
			if err != nil {
				t.Fatal(err)
			}
			back, err := registrydoc.DecodeAPIKey(again)
			if err != nil {
				t.Fatalf("key %s does not decode: %v", again, err)
			}
			if twice, _ := registrydoc.EncodeAPIKey(back); string(twice) != string(again) {
				t.Fatalf("key %s came back as %s", again, twice)
			}
		}
	})
}
