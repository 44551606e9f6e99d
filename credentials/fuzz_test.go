package credentials_test

import (
	"strings"
	"testing"

	"github.com/candor-project/candor/credentials"
)

// FuzzDecompact reads QR text: it never panics, and what it accepts is a
// credential Compact writes back as the same text's content.
func FuzzDecompact(f *testing.F) {
	k := mustKey(f)
	cred := mustSign(f, k, statusRef(77))
	text, err := credentials.Compact(cred)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add(credentials.QRPrefix)
	f.Add(credentials.QRPrefix + "00")
	f.Add(text[:len(text)/2])
	f.Fuzz(func(t *testing.T, s string) {
		out, err := credentials.Decompact(s)
		if err != nil {
			return
		}
		if len(out) > 4*credentials.MaxCredential {
			t.Fatalf("decompacted to %d bytes", len(out))
		}
		again, err := credentials.Compact(out)
		if err != nil {
			return // e.g. claims Candor does not write; Verify refuses them
		}
		back, err := credentials.Decompact(again)
		if err != nil || back != out {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzVerify reads credentials: it never panics, and accepts nothing not
// signed by the issuer's key (the fuzzer cannot forge a signature, so
// anything accepted is the seed itself or the seed with fewer
// disclosures).
func FuzzVerify(f *testing.F) {
	k := mustKey(f)
	tr := mustTrust(f, k)
	cred := mustSign(f, k, nil)
	f.Add(cred)
	f.Add(strings.Split(cred, "~")[0] + "~")
	f.Add("a~b~")
	f.Add("~~~~")
	jws := strings.Split(cred, "~")[0]
	f.Fuzz(func(t *testing.T, s string) {
		r, err := tr.Verify(s, now)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, jws+"~") || len(r.Claims)+r.Withheld != len(claims) {
			t.Fatalf("accepted %q as %+v", s, r)
		}
	})
}

// FuzzParseStatusList reads status list tokens without panicking.
func FuzzParseStatusList(f *testing.F) {
	k := mustKey(f)
	tr := mustTrust(f, k)
	tok, err := k.SignStatusList(issuer, issuer+"/l", make([]credentials.Status, 8), now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := tr.ParseStatusList(s, now)
		if err != nil {
			return
		}
		if s != tok {
			t.Fatalf("accepted a token not signed here")
		}
		if _, err := l.Get(credentials.ListSize - 1); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzBase45 decodes Base45: what it accepts encodes back to itself.
func FuzzBase45(f *testing.F) {
	f.Add("BB8")
	f.Add("%69 VD92EX0")
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := credentials.DecodeBase45(s)
		if err != nil {
			return
		}
		if got := credentials.Base45(b); got != s {
			t.Fatalf("Base45(DecodeBase45(%q)) = %q", s, got)
		}
	})
}
