package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestServesAVersionSetAfterStart: the server starts with version 1 of
// rental-deposit only; a Set activating a version 2 (100 points lower)
// serves it at the next request to the scorecard, score and decision
// endpoints, with no new server, and version 1 stays published and
// scorable by number.
func TestServesAVersionSetAfterStart(t *testing.T) {
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	v2 := testenv.NextVersion(t, cat, "rental-deposit")
	h := mustHarnessWith(t, shipped, shipped, v2) // version 2 materialised, not served
	alice := h.subject(t, "AB1234567", 3)
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	code := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`)).body["code"].(string)
	decide := func() response {
		t.Helper()
		r := h.do(t, "POST", "/v1/decisions", h.landlord, "application/json",
			[]byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, code)))
		if r.status != 200 {
			t.Fatalf("decision: %d %s", r.status, r.raw)
		}
		return r
	}
	score := func(query string) response {
		t.Helper()
		r := h.do(t, "GET", "/v1/subjects/"+id+"/scores/rental-deposit"+query, h.operator, "", nil)
		if r.status != 200 {
			t.Fatalf("score%s: %d %s", query, r.status, r.raw)
		}
		return r
	}
	if r := h.do(t, "GET", "/v1/scorecards/rental-deposit/versions/2", "", "", nil); r.status != 404 {
		t.Fatalf("version 2 before Set: %d, want 404", r.status)
	}
	d1, s1 := decide(), score("")
	if d1.body["scorecard_version"] != 1.0 || s1.body["version"] != 1.0 {
		t.Fatalf("before Set: decision under version %v, score under %v; want 1", d1.body["scorecard_version"], s1.body["version"])
	}

	h.published.Set([]*scoring.Compiled{shipped[0], shipped[1], v2}, append(shipped, v2))
	list := h.do(t, "GET", "/v1/scorecards", "", "", nil)
	if !strings.Contains(list.raw, `"id":"rental-deposit","title":"Rental deposit","purpose":"rental","subject_kind":"person","version":2`) {
		t.Errorf("after Set, the listing does not show version 2 as the active one: %s", truncate(list.raw))
	}
	for _, v := range []string{"1", "2"} {
		if r := h.do(t, "GET", "/v1/scorecards/rental-deposit/versions/"+v, "", "", nil); r.status != 200 {
			t.Errorf("version %s after Set: %d", v, r.status)
		}
	}
	d2, s2 := decide(), score("")
	if d2.body["scorecard_version"] != 2.0 || d2.body["grade"] == d1.body["grade"] {
		t.Errorf("decision after Set: version %v grade %v; want version 2, a grade other than %v", d2.body["scorecard_version"], d2.body["grade"], d1.body["grade"])
	}
	if s2.body["version"] != 2.0 || s2.body["points"] != s1.body["points"].(float64)-100 {
		t.Errorf("score after Set: version %v, %v points; want version 2, %v", s2.body["version"], s2.body["points"], s1.body["points"].(float64)-100)
	}
	if old := score("?version=1"); old.body["version"] != 1.0 || old.body["points"] != s1.body["points"] {
		t.Errorf("version 1 after Set: version %v, %v points; want version 1, %v", old.body["version"], old.body["points"], s1.body["points"])
	}
}
