package candor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

func TestAPIKey(t *testing.T) {
	created := time.Date(2026, 3, 14, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	token, key := candor.NewAPIKey(candor.RoleSource, "bank7", created)
	if !strings.HasPrefix(token, "cndr_"+key.ID+"_") {
		t.Errorf("token %q does not carry key ID %q", token, key.ID)
	}
	if key.Role != candor.RoleSource || key.Principal != "bank7" || !key.CreatedAt.Equal(created) || key.CreatedAt.Location() != time.UTC {
		t.Errorf("key = %+v", key)
	}
	if strings.Contains(string(key.Hash[:]), token) || key.Hash == ([32]byte{}) {
		t.Error("the key does not hold a hash of its token")
	}
	if id, ok := candor.TokenKeyID(token); !ok || id != key.ID {
		t.Errorf("TokenKeyID = %q, %v; want %q", id, ok, key.ID)
	}
	if !key.Matches(token) {
		t.Error("the key does not match its own token")
	}

	other, otherKey := candor.NewAPIKey(candor.RoleSource, "bank7", created)
	if other == token || otherKey.ID == key.ID {
		t.Fatal("two keys are the same")
	}
	if key.Matches(other) || otherKey.Matches(token) {
		t.Error("a key matches another key's token")
	}
	// Tampering with any part of the token: the ID, the secret, the case.
	last := token[len(token)-1]
	flip := byte('a')
	if last == 'a' {
		flip = 'b'
	}
	for name, tampered := range map[string]string{
		"last character": token[:len(token)-1] + string(flip),
		"key ID":         "cndr_" + otherKey.ID + token[len("cndr_")+len(key.ID):],
		"upper case":     strings.ToUpper(token),
		"truncated":      token[:len(token)-1],
		"extended":       token + "a",
		"empty":          "",
	} {
		if key.Matches(tampered) {
			t.Errorf("%s: the key matches %q", name, tampered)
		}
	}

	if key.Revoked() {
		t.Error("a new key is revoked")
	}
	key.RevokedAt = created.Add(time.Hour)
	if !key.Revoked() {
		t.Error("a key with RevokedAt is not revoked")
	}
}

func TestTokenKeyID(t *testing.T) {
	token, key := candor.NewAPIKey(candor.RoleOperator, "ops", time.Now())
	secret := token[len("cndr_")+len(key.ID)+1:]
	for _, tc := range []struct {
		name, token string
		ok          bool
	}{
		{"valid", token, true},
		{"no prefix", strings.TrimPrefix(token, "cndr_"), false},
		{"other prefix", "cndx_" + token[5:], false},
		{"no separator", "cndr_" + key.ID + secret, false},
		{"short ID", "cndr_" + key.ID[1:] + "_" + secret, false},
		{"short secret", "cndr_" + key.ID + "_" + secret[1:], false},
		{"long secret", "cndr_" + key.ID + "_" + secret + "a", false},
		{"empty", "", false},
		{"prefix only", "cndr_", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := candor.TokenKeyID(tc.token)
			if ok != tc.ok || ok && id != key.ID {
				t.Errorf("TokenKeyID(%q) = %q, %v", tc.token, id, ok)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	for _, r := range []candor.Role{candor.RoleOperator, candor.RoleSource} {
		if got, ok := candor.ParseRole(r.String()); !ok || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "admin", "Operator"} {
		if _, ok := candor.ParseRole(s); ok {
			t.Errorf("ParseRole(%q) succeeded", s)
		}
	}
	if candor.Role(0).String() != "unknown" || candor.Role(9).String() != "unknown" {
		t.Error("roles 0 and 9 are not unknown")
	}
}

func TestSourceKinds(t *testing.T) {
	kinds := candor.SourceKinds()
	if len(kinds) < 6 {
		t.Errorf("only %d source kinds", len(kinds))
	}
	for _, k := range kinds {
		if got, ok := candor.ParseSourceKind(k.String()); !ok || got != k {
			t.Errorf("ParseSourceKind(%q) = %v, %v", k, got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "police", "Bank"} {
		if _, ok := candor.ParseSourceKind(s); ok {
			t.Errorf("ParseSourceKind(%q) succeeded", s)
		}
	}
	if candor.SourceKind(0).String() != "unknown" {
		t.Error("source kind 0 is not unknown")
	}
}

func TestSourceValidate(t *testing.T) {
	cat := catalogue.Default()
	valid := func() candor.Source {
		return candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank,
			AllowedTypes: []string{"credit.instalment_late", "credit.loan_opened"}}
	}
	for _, tc := range []struct {
		name string
		edit func(*candor.Source)
		want []string // substrings of the error; none for a valid source
	}{
		{"valid", func(*candor.Source) {}, nil},
		{"valid without types", func(s *candor.Source) { s.AllowedTypes = nil }, nil},
		{"bad id", func(s *candor.Source) { s.ID = "Bank 7" }, []string{`id "Bank 7" must be lower-case`}},
		{"empty id", func(s *candor.Source) { s.ID = "" }, []string{`id "" must be`}},
		{"empty name", func(s *candor.Source) { s.Name = "  " }, []string{"name must be 1 to 200 printable characters"}},
		{"name with newline", func(s *candor.Source) { s.Name = "Bank\nSeven" }, []string{"name must be 1 to 200"}},
		{"name too long", func(s *candor.Source) { s.Name = strings.Repeat("b", 201) }, []string{"name must be 1 to 200"}},
		{"unknown kind", func(s *candor.Source) { s.Kind = 0 }, []string{"unknown source kind"}},
		{"unknown type", func(s *candor.Source) { s.AllowedTypes = append(s.AllowedTypes, "credit.score") }, []string{`unknown event type "credit.score"`}},
		{"type twice", func(s *candor.Source) { s.AllowedTypes = append(s.AllowedTypes, "credit.loan_opened") }, []string{`event type "credit.loan_opened" listed twice`}},
		{"court order for a bank", func(s *candor.Source) { s.AllowedTypes = append(s.AllowedTypes, "court.restriction_imposed") }, []string{
			"court.restriction_imposed is in category court_order, which only court sources may post"}},
		{"every problem at once", func(s *candor.Source) {
			s.ID, s.Name, s.Kind = "", "", 0
			s.AllowedTypes = []string{"credit.score", "court.restriction_lifted"}
		}, []string{`id "" must be`, "name must be", "unknown source kind", `unknown event type "credit.score"`, "court.restriction_lifted is in category court_order"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.edit(&s)
			err := s.Validate(cat)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("err = %v, want %s", err, candor.EINVALID)
			}
			for _, w := range tc.want {
				if !strings.Contains(candor.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", candor.ErrorMessage(err), w)
				}
			}
		})
	}
	s := valid()
	if !s.Allows("credit.loan_opened") || s.Allows("credit.default") || s.Allows("") {
		t.Error("Allows is wrong")
	}
}
