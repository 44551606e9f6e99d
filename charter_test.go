package candor_test

// Tests of the charter's points that live in the domain (DESIGN.md §1): the
// closed category list, purpose binding, court-only restrictions, and a
// domain that imports no adapter.

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

// The category list is closed: adding one must show up here, in review.
func TestCategoriesClosed(t *testing.T) {
	var names []string
	for _, c := range candor.Categories() {
		names = append(names, c.String())
	}
	want := []string{
		"identity", "tax", "credit", "utility_and_rent", "court_judgment", "court_order",
		"licence_permit", "corporate_filing", "regulatory_inspection", "labour_compliance",
	}
	if !slices.Equal(names, want) {
		t.Errorf("categories = %v, want %v (adding a category is a charter change: update this test in the same review)", names, want)
	}
}

// Charter point 1: nothing the charter forbids has a category.
func TestCategoriesForbidNothingOfTheCharter(t *testing.T) {
	forbidden := []string{
		"politic", "loyal", "religio", "belief", "ethnic", "race", "union", "health",
		"biometric", "sex", "location", "wifi", "camera", "social", "friend",
		"communication", "internet", "attendance", "gathering",
	}
	for _, c := range candor.Categories() {
		p := c.Policy()
		t.Run(p.Name, func(t *testing.T) {
			for _, text := range []string{p.Name, p.Statement} {
				for _, w := range forbidden {
					if strings.Contains(strings.ToLower(text), w) {
						t.Errorf("%q contains %q", text, w)
					}
				}
			}
			if strings.TrimSpace(p.Statement) == "" {
				t.Error("no purpose statement")
			}
		})
	}
}

// Charter point 2: each category says which purposes it serves; identity
// serves none, court orders serve only their enforcement.
func TestCategoryPurposes(t *testing.T) {
	for _, c := range candor.Categories() {
		p := c.Policy()
		t.Run(p.Name, func(t *testing.T) {
			if p.MaxRetention <= 0 {
				t.Errorf("MaxRetention = %s, want positive", p.MaxRetention)
			}
			served := 0
			for _, purpose := range candor.Purposes() {
				if c.Serves(purpose) {
					served++
				}
			}
			if served != len(p.Serves) {
				t.Errorf("Serves reports %d purposes, the policy lists %d", served, len(p.Serves))
			}
			switch c {
			case candor.CategoryIdentity:
				if served != 0 {
					t.Errorf("identity serves %v, want nothing", p.Serves)
				}
			case candor.CategoryCourtOrder:
				if !slices.Equal(p.Serves, []candor.Purpose{candor.PurposeCourtEnforcement}) {
					t.Errorf("court_order serves %v, want only court_enforcement", p.Serves)
				}
				if !p.CourtOnly {
					t.Error("court_order is not CourtOnly")
				}
			default:
				if served == 0 {
					t.Error("serves no purpose")
				}
				if p.CourtOnly {
					t.Error("only court_order may be CourtOnly")
				}
				if c.Serves(candor.PurposeCourtEnforcement) {
					t.Error("only court_order may serve court_enforcement")
				}
			}
			if got, ok := candor.ParseCategory(p.Name); !ok || got != c {
				t.Errorf("ParseCategory(%q) = %v, %v", p.Name, got, ok)
			}
		})
	}
	for _, c := range []candor.Category{0, candor.Category(len(candor.Categories()) + 1), 255} {
		if p := c.Policy(); p.Name != "unknown" || len(p.Serves) != 0 || p.MaxRetention != 0 {
			t.Errorf("Category(%d).Policy() = %+v, want the unknown policy", c, p)
		}
		if c.Serves(candor.PurposeCredit) {
			t.Errorf("Category(%d) serves credit", c)
		}
	}
	if _, ok := candor.ParseCategory("political_opinion"); ok {
		t.Error("ParseCategory accepted political_opinion")
	}
}

func TestPurposes(t *testing.T) {
	ps := candor.Purposes()
	if len(ps) == 0 {
		t.Fatal("no purposes")
	}
	for _, p := range ps {
		if got, ok := candor.ParsePurpose(p.String()); !ok || got != p {
			t.Errorf("ParsePurpose(%q) = %v, %v", p, got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "social_credit", "Credit"} {
		if p, ok := candor.ParsePurpose(s); ok {
			t.Errorf("ParsePurpose(%q) = %v", s, p)
		}
	}
	if s := candor.Purpose(0).String(); s != "unknown" {
		t.Errorf("Purpose(0) = %q", s)
	}
}

// DESIGN.md §4: the domain imports no adapter, that is no package of its own
// module.
func TestRootImportsNoAdapter(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found:", err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json", ".")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	type pkg struct {
		ImportPath string
		DepOnly    bool
		Module     *struct{ Path string }
	}
	var root *pkg
	var deps []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !p.DepOnly {
			root = &p
			continue
		}
		deps = append(deps, p)
	}
	if root == nil || root.Module == nil || root.Module.Path == "" {
		t.Fatalf("go list did not describe the root package and its module:\n%s", out)
	}
	if root.ImportPath != root.Module.Path {
		t.Fatalf("root package is %s, want the module root %s", root.ImportPath, root.Module.Path)
	}
	for _, d := range deps {
		if strings.HasPrefix(d.ImportPath, root.Module.Path+"/") {
			t.Errorf("the domain imports %s: adapters go around the domain, never into it", d.ImportPath)
		}
	}
}

// Charter point 9: only courts post restrictions.
func TestSourceCourtOnly(t *testing.T) {
	cat := catalogue.Default()
	var orderTypes []string
	for _, et := range cat.Types() {
		if et.Category == candor.CategoryCourtOrder {
			orderTypes = append(orderTypes, et.Name)
		}
	}
	if len(orderTypes) == 0 {
		t.Fatal("no court_order types in the shipped catalogue")
	}
	for _, name := range orderTypes {
		for _, kind := range candor.SourceKinds() {
			t.Run(name+"/"+kind.String(), func(t *testing.T) {
				s := candor.Source{ID: "src1", Name: "A source", Kind: kind, AllowedTypes: []string{name}}
				err := s.Validate(cat)
				if kind == candor.SourceCourt {
					if err != nil {
						t.Fatalf("court source refused: %v", err)
					}
					return
				}
				if err == nil {
					t.Fatalf("a %s source was allowed %s", kind, name)
				}
				if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), "only court sources may post") || !strings.Contains(err.Error(), name) {
					t.Errorf("err = %v", err)
				}
			})
		}
	}
}

// Opting out: only purposes served by no category kept under a legal
// obligation rest on consent, and those are credit and rental.
func TestPurposesRestingOnConsent(t *testing.T) {
	var got []candor.Purpose
	for _, p := range candor.Purposes() {
		if p.RestsOnConsent() {
			got = append(got, p)
		}
	}
	if want := []candor.Purpose{candor.PurposeCredit, candor.PurposeRental}; !slices.Equal(got, want) {
		t.Errorf("purposes resting on consent = %v, want %v", got, want)
	}
	if candor.Purpose(0).RestsOnConsent() {
		t.Error("the zero purpose rests on consent")
	}
}
