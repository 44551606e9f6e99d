package candor_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// Known numbers of each scheme, valid and invalid, with what a source may
// send and the normalised form; invalid ones with the problem the message
// must name. The valid ones are published examples (Sberbank's INN and
// OGRN, GB 11643's sample resident ID, a GB 32100 sample code).
func TestSchemeExamples(t *testing.T) {
	for _, tc := range []struct {
		scheme, in, want string // want "" when invalid
		problem          string
	}{
		{"ru_snils", "112-233-445 95", "11223344595", ""},
		{"ru_snils", "087-654-303 00", "08765430300", ""}, // sum 202 ≡ 0 mod 101 gives 00
		{"ru_snils", "001-001-998 77", "00100199877", ""}, // issued before the check existed
		{"ru_snils", "112-233-445 94", "", "check digit"},
		{"ru_snils", "001-001-999 77", "", "check digit"},
		{"ru_snils", "1122334459", "", "wrong length"},
		{"ru_inn", "7707083893", "7707083893", ""},
		{"ru_inn", "500100732259", "500100732259", ""},
		{"ru_inn", "7707083892", "", "check digit"},
		{"ru_inn", "500100732269", "", "check digit"},
		{"ru_inn", "77070838931", "", "wrong length"},
		{"ru_ogrn", "1027700132195", "1027700132195", ""},
		{"ru_ogrn", "304500116000157", "304500116000157", ""},
		{"ru_ogrn", "1027700132194", "", "check digit"},
		{"ru_ogrn", "30450011600015", "", "wrong length"},
		{"cn_resident_id", "11010519491231002X", "11010519491231002X", ""},
		{"cn_resident_id", "110105 19491231 002x", "11010519491231002X", ""},
		{"cn_resident_id", "110105194912310021", "", "check digit"},
		{"cn_resident_id", "110105199902300020", "", "19990230 is not a birth date"},
		{"cn_resident_id", "1101051949123100X2", "", "wrong length or characters"},
		{"cn_uscc", "91350100M000100Y43", "91350100M000100Y43", ""},
		{"cn_uscc", "91350100M000100Y42", "", "check digit"},
		{"cn_uscc", "91350100M000100O43", "", "wrong length or characters"}, // O is not used
		{"passport", "UZB FA1234567", "UZBFA1234567", ""},
		{"passport", "deu<<C01X00T47", "DEUC01X00T47", ""},
		{"passport", "UZB FA12345678", "", "wrong length"},
		{"national_id", "ab 123 45 67", "AB1234567", ""},
		{"national_id", strings.Repeat("A", 65), "", "longer than 64 bytes"},
		{"national_id", "", "", "empty"},
	} {
		t.Run(tc.scheme+"/"+tc.in, func(t *testing.T) {
			s, ok := candor.ParseScheme(tc.scheme)
			if !ok {
				t.Fatalf("no scheme %s", tc.scheme)
			}
			id, err := candor.NormaliseIdentifier(s, tc.in)
			if tc.want == "" {
				msg := candor.ErrorMessage(err)
				if err == nil || !strings.Contains(msg, "not a valid "+tc.scheme+": ") || !strings.Contains(msg, tc.problem) || !strings.Contains(msg, "want ") {
					t.Fatalf("got %v, %v; want an error naming %s and %q", id, err, tc.scheme, tc.problem)
				}
				return
			}
			if err != nil || id.Value != tc.want || id.Scheme != s {
				t.Fatalf("got %v, %v; want %s", id, err, tc.want)
			}
		})
	}
}

// The issue's schemes are all shipped, each for the kinds it may name,
// and every code keeps its meaning (codes are in blind indexes).
func TestShippedSchemes(t *testing.T) {
	want := map[string]struct {
		code                 candor.Scheme
		person, organisation bool
	}{
		"national_id": {1, true, false}, "tax_number": {2, true, true}, "company_reg_no": {3, false, true},
		"ru_snils": {4, true, false}, "ru_inn": {5, true, true}, "ru_ogrn": {6, false, true},
		"cn_resident_id": {7, true, false}, "cn_uscc": {8, false, true}, "passport": {9, true, false},
	}
	got := candor.Schemes().All()
	if len(got) != len(want) {
		t.Errorf("%d schemes, want %d", len(got), len(want))
	}
	for _, d := range got {
		w, ok := want[d.Name]
		if !ok || d.Code != w.code || d.AppliesTo(candor.Person) != w.person || d.AppliesTo(candor.Organisation) != w.organisation {
			t.Errorf("%s: code %d, person %v, organisation %v; want %+v", d.Name, d.Code, d.AppliesTo(candor.Person), d.AppliesTo(candor.Organisation), w)
		}
		if d.Code.Title() == "" || d.Code.Title() == "unknown identifier" {
			t.Errorf("%s has no title", d.Name)
		}
	}
}

// A schemes file is checked whole: every problem is named.
func TestParseSchemesRefuses(t *testing.T) {
	good := `{"code":1,"name":"x_id","title":"X","subjects":["person"],"format":"digits","pattern":"^[0-9]+$","valid":["1"],"invalid":["a"]}`
	for _, tc := range []struct{ name, file, want string }{
		{"unknown key", `{"schemes":[],"extra":1}`, "unknown field"},
		{"code", `{"schemes":[` + strings.Replace(good, `"code":1`, `"code":0`, 1) + `]}`, "code must be 1 to 255"},
		{"twice", `{"schemes":[` + good + `,` + good + `]}`, "given twice"},
		{"check", `{"schemes":[` + strings.Replace(good, `"pattern"`, `"check":"luhn","pattern"`, 1) + `]}`, `unknown check algorithm "luhn"`},
		{"unanchored", `{"schemes":[` + strings.Replace(good, `^[0-9]+$`, `[0-9]+`, 1) + `]}`, "anchored"},
		{"kind", `{"schemes":[` + strings.Replace(good, `["person"]`, `["household"]`, 1) + `]}`, `subject "household"`},
		{"example", `{"schemes":[` + strings.Replace(good, `"invalid":["a"]`, `"invalid":["2"]`, 1) + `]}`, `invalid example "2" is accepted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := candor.ParseSchemes([]byte(tc.file))
			if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if s, err := candor.ParseSchemes([]byte(`{"schemes":[` + good + `]}`)); err != nil || s.Lookup("x_id") == nil {
		t.Errorf("good file: %v", err)
	}
}

// Changing any one character of a valid identifier of a scheme whose
// check catches every single substitution makes it invalid.
func TestCheckDigitsCatchSubstitutions(t *testing.T) {
	for _, v := range []struct{ scheme, value, alphabet string }{
		{"cn_resident_id", "11010519491231002X", "0123456789"},
		{"cn_uscc", "91350100M000100Y43", "0123456789ABCDEFGHJKLMNPQRTUWXY"},
		{"ru_ogrn", "1027700132195", "0123456789"},
	} {
		s, _ := candor.ParseScheme(v.scheme)
		for i := range len(v.value) - 1 {
			for _, c := range v.alphabet {
				if byte(c) == v.value[i] {
					continue
				}
				changed := v.value[:i] + string(c) + v.value[i+1:]
				if id, err := candor.NormaliseIdentifier(s, changed); err == nil {
					t.Errorf("%s: %s accepted as %v", v.scheme, changed, id)
				}
			}
		}
	}
}

// FuzzNormaliseIdentifier: no input panics any scheme; what is accepted
// is its own normal form, matches the scheme's pattern, and is accepted
// again unchanged.
func FuzzNormaliseIdentifier(f *testing.F) {
	for _, d := range candor.Schemes().All() {
		for _, v := range append(append([]string{}, d.Valid...), d.Invalid...) {
			f.Add(uint8(d.Code), v)
		}
	}
	f.Add(uint8(0), "x")
	f.Add(uint8(7), "11010519491231002X\x00")
	f.Fuzz(func(t *testing.T, code uint8, value string) {
		id, err := candor.NormaliseIdentifier(candor.Scheme(code), value)
		if err != nil {
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			return
		}
		d := candor.Schemes().Def(id.Scheme)
		if d == nil || !d.Pattern.MatchString(id.Value) || len(id.Value) > len(value) {
			t.Fatalf("%q accepted as %v", value, id)
		}
		again, err := candor.NormaliseIdentifier(id.Scheme, id.Value)
		if err != nil || again != id {
			t.Fatalf("%v normalised again is %v, %v", id, again, err)
		}
	})
}

func ExampleNormaliseIdentifier() {
	s, _ := candor.ParseScheme("ru_snils")
	id, _ := candor.NormaliseIdentifier(s, "112-233-445 95")
	fmt.Println(id)
	_, err := candor.NormaliseIdentifier(s, "112-233-445 94")
	fmt.Println(candor.ErrorMessage(err))
	// Output:
	// ru_snils:11223344595
	// not a valid ru_snils: the check digit does not match; want eleven digits, the last two a check number, e.g. 112-233-445 95
}
