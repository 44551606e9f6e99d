package httpapi

import (
	"testing"

	"github.com/candor-project/candor"
)

// FuzzParseLinkRequest: no body panics the parser; a body it accepts has
// a reference and two normalised identifiers of known schemes, and any
// error is EMALFORMED or EINVALID.
func FuzzParseLinkRequest(f *testing.F) {
	f.Add([]byte(`{"id":"civ-1","type":"identity.linked","kind":"person","scheme":"national_id","value":"AB1234567","other_scheme":"ru_snils","other_value":"112-233-445 95"}`))
	f.Add([]byte(`{"id":"civ-1","type":"identity.unlinked","kind":"organisation","scheme":"cn_uscc","value":"91350100M000100Y43","other_scheme":"ru_ogrn","other_value":"1027700132195"}`))
	f.Add([]byte(`{"id":"","type":"x","kind":"","scheme":"","value":"","other_scheme":"","other_value":""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseLinkRequest(body)
		if err != nil {
			if c := candor.ErrorCode(err); c != candor.EMALFORMED && c != candor.EINVALID {
				t.Fatalf("err = %v", err)
			}
			return
		}
		for _, id := range []candor.Identifier{p.first, p.second} {
			again, err := candor.NormaliseIdentifier(id.Scheme, id.Value)
			if err != nil || again != id {
				t.Fatalf("accepted %v, which does not normalise to itself: %v", id, err)
			}
		}
		if p.ref == "" {
			t.Fatal("accepted without a reference")
		}
	})
}
