package credentials_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/credentials"
)

const issuer = "https://candor.example"

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func mustKey(tb testing.TB) *credentials.IssuerKey {
	tb.Helper()
	k, err := credentials.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustTrust(tb testing.TB, keys ...*credentials.IssuerKey) *credentials.Trust {
	tb.Helper()
	m := &credentials.Metadata{Issuer: issuer}
	for _, k := range keys {
		m.JWKS.Keys = append(m.JWKS.Keys, k.Public())
	}
	t, err := credentials.NewTrust(m)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// claims are three statements and a document number.
var claims = []credentials.Claim{
	{Name: "tax_obligations_current", Value: true},
	{Name: "no_standing_court_restriction", Value: true},
	{Name: "rental_grade_at_least", Value: "B"},
	{Name: credentials.ClaimDocument, Value: credentials.Document{Type: "national_id", Number: "AB1234567"}},
}

func mustSign(tb testing.TB, k *credentials.IssuerKey, status *credentials.StatusRef, cs ...credentials.Claim) string {
	tb.Helper()
	if cs == nil {
		cs = claims
	}
	s, err := k.Sign(credentials.Unsigned{Issuer: issuer, Type: credentials.TypeStatus, IssuedAt: now, Expires: now.Add(10 * time.Minute), Status: status, Claims: cs})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func statusRef(idx int) *credentials.StatusRef {
	r := new(credentials.StatusRef)
	r.StatusList.Idx, r.StatusList.URI = idx, issuer+"/v1/credentials/status-list"
	return r
}

func TestSignVerify(t *testing.T) {
	k := mustKey(t)
	tr := mustTrust(t, k)
	cred := mustSign(t, k, nil)
	r, err := tr.Verify(cred, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Claims) != 4 || r.Withheld != 0 || r.Issuer != issuer || r.HasStatus {
		t.Fatalf("result %+v", r)
	}
	if v, _ := r.Claim("rental_grade_at_least"); v != "B" {
		t.Errorf("rental grade %v", v)
	}
	// Fresh salts: the same claims issued twice share no disclosure.
	again := mustSign(t, k, nil)
	for _, d := range strings.Split(cred, "~")[1:4] {
		if strings.Contains(again, d) {
			t.Errorf("disclosure %s repeated across issuances", d)
		}
	}
	// The holder shows less: the rest is withheld and counted.
	less, err := credentials.Present(cred, "tax_obligations_current", credentials.ClaimDocument)
	if err != nil {
		t.Fatal(err)
	}
	r, err = tr.Verify(less, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Claims) != 2 || r.Withheld != 2 {
		t.Errorf("presented 2 of 4: %d claims, %d withheld", len(r.Claims), r.Withheld)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k, other := mustKey(t), mustKey(t)
	tr := mustTrust(t, k)
	cred := mustSign(t, k, nil)
	parts := strings.Split(cred, "~")
	jws := strings.Split(parts[0], ".")
	otherCred := strings.Split(mustSign(t, k, nil), "~")

	flip := func(s string) string { // change one character of base64url text
		c := "A"
		if s[10] == 'A' {
			c = "B"
		}
		return s[:10] + c + s[11:]
	}
	altered := func() string {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		return base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "true", "false", 1)))
	}()
	tamperedSig := jws[0] + "." + jws[1] + "." + flip(jws[2])
	tests := []struct {
		name, cred string
		at         time.Time
		want       string
	}{
		{"tampered signature", tamperedSig + "~" + strings.Join(parts[1:], "~"), now, "signature does not verify"},
		{"tampered claims", jws[0] + "." + flip(jws[1]) + "." + jws[2] + "~", now, "signature does not verify"},
		{"altered disclosure", parts[0] + "~" + altered + "~", now, "does not belong to this credential"},
		{"disclosure from another credential", parts[0] + "~" + otherCred[1] + "~", now, "does not belong to this credential"},
		{"disclosure twice", parts[0] + "~" + parts[1] + "~" + parts[1] + "~", now, "twice"},
		{"expired", cred, now.Add(11 * time.Minute), "expired"},
		{"issued in the future", cred, now.Add(-time.Hour), "future"},
		{"wrong issuer key", mustSign(t, other, nil), now, "wrong issuer key"},
		{"key binding JWT", cred + "eyJhbGciOiJFUzI1NiJ9.e30.sig", now, "key-binding"},
		{"not an SD-JWT", "hello", now, "not an SD-JWT"},
		{"oversized", strings.Repeat("a", credentials.MaxCredential+1), now, "limit"},
		{"too many disclosures", parts[0] + strings.Repeat("~"+parts[1], credentials.MaxDisclosures+1) + "~", now, "disclosures; the limit"},
		{"malformed JWS", "a.b.c~", now, "not a signed JWT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tr.Verify(tc.cred, tc.at)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}

func TestStatusList(t *testing.T) {
	k, other := mustKey(t), mustKey(t)
	tr := mustTrust(t, k)
	uri := issuer + "/v1/credentials/status-list"
	statuses := make([]credentials.Status, 100)
	statuses[7], statuses[42] = credentials.StatusRevoked, credentials.StatusSuspended
	tok, err := k.SignStatusList(issuer, uri, statuses, now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.ParseStatusList(tok, now)
	if err != nil {
		t.Fatal(err)
	}
	tr.Lists[uri] = l
	for _, tc := range []struct {
		idx  int
		want string
	}{{3, ""}, {7, "revoked"}, {42, "suspended"}, {credentials.ListSize, "outside the status list"}} {
		t.Run(fmt.Sprint(tc.idx), func(t *testing.T) {
			_, err := tr.Verify(mustSign(t, k, statusRef(tc.idx)), now)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("index %d: %v, want %q", tc.idx, err, tc.want)
			}
		})
	}
	t.Run("no list", func(t *testing.T) {
		tr := mustTrust(t, k)
		if _, err := tr.Verify(mustSign(t, k, statusRef(3)), now); err == nil || !strings.Contains(err.Error(), "not fetched") {
			t.Errorf("verified without its status list: %v", err)
		}
	})
	bad := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(bad[2])
	sig[5] ^= 1
	otherTok, _ := other.SignStatusList(issuer, uri, statuses, now)
	credAsList := strings.TrimSuffix(mustSign(t, k, nil, claims[0]), "~")
	credAsList = credAsList[:strings.IndexByte(credAsList, '~')]
	for _, tc := range []struct{ name, tok, want string }{
		{"bad signature", bad[0] + "." + bad[1] + "." + base64.RawURLEncoding.EncodeToString(sig), "status list signature does not verify"},
		{"other key", otherTok, "wrong issuer key"},
		{"a credential, not a list", credAsList, "type"},
		{"garbage", "not.a.jwt", "not a signed JWT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tr.ParseStatusList(tc.tok, now); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := tr.ParseStatusList(tok, now.Add(credentials.ListValidity)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired list: %v", err)
	}
}

func TestCompactQR(t *testing.T) {
	k := mustKey(t)
	tr := mustTrust(t, k)
	for _, tc := range []struct {
		name   string
		status *credentials.StatusRef
		claims []credentials.Claim
		maxVer int
	}{
		{"three statements and a document", nil, claims, 15},
		{"with status", statusRef(123456), claims, 15},
		{"one statement", nil, claims[:1], 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := mustSign(t, k, tc.status, tc.claims...)
			text, err := credentials.Compact(cred)
			if err != nil {
				t.Fatal(err)
			}
			back, err := credentials.Decompact(text)
			if err != nil {
				t.Fatal(err)
			}
			if back != cred {
				t.Fatalf("round trip changed the credential:\n%s\n%s", cred, back)
			}
			qr, err := credentials.RenderQR(text, 256)
			if err != nil {
				t.Fatal(err)
			}
			if qr.Version > tc.maxVer {
				t.Errorf("QR version %d (%d characters), want ≤ %d", qr.Version, len(text), tc.maxVer)
			}
			t.Logf("%d characters, QR version %d", len(text), qr.Version)
			// A presentation of fewer claims still compacts.
			less, _ := credentials.Present(cred, tc.claims[0].Name)
			text, err = credentials.Compact(less)
			if err != nil {
				t.Fatal(err)
			}
			back, _ = credentials.Decompact(text)
			if _, err := tr.Verify(back, now); tc.status == nil && err != nil {
				t.Error(err)
			}
		})
	}
	for _, tc := range []struct{ name, text, want string }{
		{"oversized", credentials.QRPrefix + strings.Repeat("A", credentials.MaxQRText), "limit"},
		{"no prefix", "HC1:ABC", "does not start with"},
		{"not base45", credentials.QRPrefix + "abc", "malformed"},
		{"not deflate", credentials.QRPrefix + credentials.Base45([]byte("hello world")), "malformed"},
		{"empty", credentials.QRPrefix, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := credentials.Decompact(tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBase45(t *testing.T) {
	// RFC 9285 section 4.3's examples.
	for in, want := range map[string]string{"AB": "BB8", "Hello!!": "%69 VD92EX0", "base-45": "UJCLQE7W581", "ietf!": "QED8WEX0"} {
		if got := credentials.Base45([]byte(in)); got != want {
			t.Errorf("Base45(%q) = %q, want %q", in, got, want)
		}
		back, err := credentials.DecodeBase45(want)
		if err != nil || string(back) != in {
			t.Errorf("DecodeBase45(%q) = %q, %v", want, back, err)
		}
	}
	for _, bad := range []string{"GGW", "A", "aaa", "::"} {
		if _, err := credentials.DecodeBase45(bad); err == nil {
			t.Errorf("DecodeBase45(%q) accepted", bad)
		}
	}
}
