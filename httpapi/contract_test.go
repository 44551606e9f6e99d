package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/httpapi"
)

// contractRun drives the harness's server through the operations of the
// OpenAPI document, each request and answer checked against it.
type contractRun struct {
	h      *harness
	served map[string]bool // operations answered with a status they list
}

// call sends a request that must be valid and answered with want; both
// are checked against the document (checkResponse, strict).
func (c *contractRun) call(t *testing.T, method, path, token, contentType, body string, want int) response {
	t.Helper()
	req := c.h.request(method, path, token, contentType, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	if r.status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, truncate(r.raw), want)
	}
	op, err := checkResponse(req, []byte(body), resp, raw, true)
	if err != nil {
		t.Errorf("%s %s: %d %s\ndoes not match the OpenAPI document: %v", method, path, r.status, truncate(r.raw), err)
		return r
	}
	c.served[op] = true
	return r
}

// TestOpenAPIContract sends a representative, valid request for every
// operation of the document, as the role it is for, and checks the
// request, the status, the content type and the body against the
// document. An operation of the document this test does not drive
// fails it: add a call below for a new route.
func TestOpenAPIContract(t *testing.T) {
	h := mustHarness(t)
	c := &contractRun{h: h, served: map[string]bool{}}
	subject, alice := c.ingestAndRead(t)
	decision := c.consentAndDecide(t, alice)
	c.reviewAndDispute(t, alice, decision)
	c.auditAndProofs(t, subject, alice)
	c.credentialsAndOptOuts(t, alice)
	c.administration(t)
	c.policy(t)
	c.public(t)
	c.statistics(t)
	c.refusals(t, alice)
	c.identityLinks(t, alice)
	c.call(t, "GET", "/v1/me/erasure", alice, "", "", 200)
	c.call(t, "POST", "/v1/me/erasure", alice, "application/json", `{"confirm":true}`, 200)

	doc, _, _ := loadContract()
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !c.served[method+" "+path] {
				t.Errorf("%s %s: no request in TestOpenAPIContract; add one", method, path)
			}
		}
	}
}

// ingestAndRead posts facts and reads them as an operator; it returns
// the person's subject ID and a token of theirs.
func (c *contractRun) ingestAndRead(t *testing.T) (string, string) {
	when := time.Now().UTC().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	c.call(t, "POST", "/v1/events", c.h.bank, "application/json",
		"["+event("c1", "AB1234567", when, okFields)+","+event("c2", "AB1234567", when, `{"days_late":12,"amount":"9.99","currency":"EUR"}`)+"]", 200)
	c.call(t, "GET", "/v1/sources/me/events?ids=c1,nope", c.h.bank, "", "", 200)
	subject := c.call(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", c.h.operator, "", "", 200).body["id"].(string)
	c.call(t, "GET", "/v1/subjects/"+subject, c.h.operator, "", "", 200)
	c.call(t, "GET", "/v1/subjects/"+subject+"/events?limit=10", c.h.operator, "", "", 200)
	c.call(t, "GET", "/v1/subjects/"+subject+"/scores", c.h.operator, "", "", 200)
	c.call(t, "GET", "/v1/subjects/"+subject+"/scores/rental-deposit?at=2026-01-01", c.h.operator, "", "", 200)
	return subject, c.h.key(t, candor.RoleSubject, subject)
}

// consentAndDecide grants a consent and takes a decision with it; it
// returns the decision's ID.
func (c *contractRun) consentAndDecide(t *testing.T, alice string) string {
	code := c.call(t, "POST", "/v1/me/consents", alice, "application/json", `{"relying_party":"landlord1","purpose":"rental","days":10}`, 201).body["code"].(string)
	c.call(t, "GET", "/v1/me/consents", alice, "", "", 200)
	c.call(t, "GET", "/v1/consents/"+code, c.h.landlord, "", "", 200)
	d := c.call(t, "POST", "/v1/decisions", c.h.landlord, "application/json",
		fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, code), 200)
	c.call(t, "GET", "/v1/me/decisions", alice, "", "", 200)
	c.call(t, "GET", "/v1/decisions/"+d.body["decision_id"].(string), c.h.landlord, "", "", 200)
	c.call(t, "GET", "/v1/me/scores", alice, "", "", 200)
	c.call(t, "GET", "/v1/me/scores?at=2026-01-01", alice, "", "", 200)
	other := c.call(t, "POST", "/v1/me/consents", alice, "application/json", `{"relying_party":"landlord1","purpose":"rental"}`, 201).body["code"].(string)
	c.call(t, "DELETE", "/v1/me/consents/"+other, alice, "", "", 200)
	return d.body["decision_id"].(string)
}

// reviewAndDispute asks for a human review of the decision and closes it,
// and disputes a fact its source answers.
func (c *contractRun) reviewAndDispute(t *testing.T, alice, decision string) {
	c.call(t, "POST", "/v1/me/decisions/"+decision+"/review", alice, "application/json", `{"statement":"Please look again."}`, 201)
	c.call(t, "GET", "/v1/reviews", c.h.reviewer, "", "", 200)
	c.call(t, "GET", "/v1/reviews/"+decision, c.h.reviewer, "", "", 200)
	c.call(t, "POST", "/v1/reviews/"+decision+"/close", c.h.reviewer, "application/json", `{"outcome":"approve","rationale":"The late payment was small."}`, 200)

	evs := c.call(t, "GET", "/v1/me/events", alice, "", "", 200).body["events"].([]any)
	event := evs[len(evs)-1].(map[string]any)["id"].(float64)
	d := c.call(t, "POST", "/v1/me/disputes", alice, "application/json", fmt.Sprintf(`{"event":%v,"statement":"I paid on time."}`, event), 201)
	c.call(t, "GET", "/v1/me/disputes", alice, "", "", 200)
	c.call(t, "GET", "/v1/sources/me/disputes", c.h.bank, "", "", 200)
	c.call(t, "POST", "/v1/sources/me/disputes/"+d.body["id"].(string), c.h.bank, "application/json", `{"answer":"withdraw","note":"Our mistake."}`, 200)
	c.call(t, "GET", "/v1/notices", c.h.landlord, "", "", 200)
}

// auditAndProofs reads who looked and the proofs, once logged.
func (c *contractRun) auditAndProofs(t *testing.T, subject, alice string) {
	c.h.checkpoint(t)
	c.call(t, "GET", "/log/checkpoint", "", "", "", 200)
	c.call(t, "GET", httpapi.VerifierKeyPath, "", "", "", 200)
	access := c.call(t, "GET", "/v1/me/access", alice, "", "", 200).body["access"].([]any)
	n := fmt.Sprint(access[0].(map[string]any)["n"])
	c.call(t, "GET", "/v1/subjects/"+subject+"/access", c.h.operator, "", "", 200)
	deadline := time.Now().Add(10 * time.Second)
	for c.h.do(t, "GET", "/v1/me/access/"+n+"/proof", alice, "", nil).status != 200 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	c.call(t, "GET", "/v1/me/access/"+n+"/proof", alice, "", "", 200)
	c.call(t, "GET", "/v1/subjects/"+subject+"/access/"+n+"/proof", c.h.operator, "", "", 200)
	proofs := c.call(t, "GET", "/v1/me/events/proofs", alice, "", "", 200).body["proofs"].([]any)
	if len(proofs) == 0 {
		t.Fatal("no proofs of alice's facts")
	}
	c.call(t, "GET", fmt.Sprintf("/v1/me/events/%v/proof", proofs[0].(map[string]any)["event"]), alice, "", "", 200)
	c.call(t, "GET", "/v1/log/consistency?from=1", "", "", "", 200)
}

// credentialsAndOptOuts issues and revokes a credential and opts out and
// back in.
func (c *contractRun) credentialsAndOptOuts(t *testing.T, alice string) {
	c.call(t, "GET", "/v1/statements", "", "", "", 200)
	c.call(t, "GET", credentials.MetadataPath, "", "", "", 200)
	c.call(t, "GET", credentials.StatusListPath, "", "", "", 200)
	c.call(t, "GET", "/v1/me/credentials/offer", alice, "", "", 200)
	cred := c.call(t, "POST", "/v1/me/credentials", alice, "application/json",
		`{"kind":"download","statements":["no_standing_court_restriction"],"document":"national_id"}`, 201)
	c.call(t, "GET", "/v1/me/credentials", alice, "", "", 200)
	c.call(t, "DELETE", "/v1/me/credentials/"+cred.body["id"].(string), alice, "", "", 200)

	c.call(t, "GET", "/v1/me/opt-outs", alice, "", "", 200)
	c.call(t, "POST", "/v1/me/opt-outs/consumer-credit", alice, "", "", 201)
	c.call(t, "DELETE", "/v1/me/opt-outs/consumer-credit", alice, "", "", 200)
}

// administration registers a source and a relying party, issues and
// revokes a key, and reads court orders with the new party's key.
func (c *contractRun) administration(t *testing.T) {
	op := c.h.operator
	c.call(t, "PUT", "/v1/admin/sources/inspect", op, "application/json", `{"name":"Inspectorate","kind":"inspectorate","types":["inspection.*"]}`, 200)
	c.call(t, "GET", "/v1/admin/sources", op, "", "", 200)
	c.call(t, "PUT", "/v1/admin/relying-parties/bailiff", op, "application/json",
		`{"name":"Bailiffs","purposes":["court_enforcement"],"statutory":["court_enforcement"]}`, 200)
	c.call(t, "GET", "/v1/admin/relying-parties", op, "", "", 200)
	issued := c.call(t, "POST", "/v1/admin/keys", op, "application/json", `{"role":"relying_party","principal":"bailiff"}`, 201)
	c.call(t, "GET", "/v1/court-orders?scheme=national_id&value=AB1234567", issued.body["token"].(string), "", "", 200)
	c.call(t, "GET", "/v1/admin/keys", op, "", "", 200)
	key := issued.body["key"].(map[string]any)["id"].(string)
	c.call(t, "DELETE", "/v1/admin/keys/"+key, op, "", "", 200)
	c.call(t, "POST", "/v1/admin/backup", op, "", "", 422) // this server makes none (cmd/candor tests the archive)
	// This server rotates no keys (cmd/candor's TestOnlineKeyRotation drives a node's).
	c.call(t, "POST", "/v1/admin/key-rotation", op, "application/json", `{"keys_per_second":100}`, 422)
	if st := c.call(t, "GET", "/v1/admin/key-rotation", op, "", "", 200); st.body["state"] != "idle" {
		t.Errorf("GET /v1/admin/key-rotation on a server that rotates none: %s, want idle", st.raw)
	}

	inspect := c.call(t, "POST", "/v1/admin/keys", op, "application/json", `{"role":"source","principal":"inspect"}`, 201).body["token"].(string)
	when := time.Now().UTC().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	c.call(t, "POST", "/v1/events", inspect, "application/x-ndjson", fmt.Sprintf(
		`{"id":"i1","subject":{"kind":"organisation","scheme":"company_reg_no","value":"C12345678"},"type":"inspection.passed","occurred_at":%q,"fields":{"inspection_type":"food_hygiene"}}`, when), 200)
}

// policy bootstraps a second administrator, proposes and approves a
// scorecard version, and requests, approves and revokes a key.
func (c *contractRun) policy(t *testing.T) {
	alice := c.h.policy
	bob := c.call(t, "POST", "/v1/policy/keys", c.h.operator, "application/json", `{"name":"bob"}`, 201).body["token"].(string)
	shipped, err := os.ReadFile(filepath.Join("..", "scoring", "scorecards", "rental-deposit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	c.call(t, "POST", "/v1/policy/scorecards", alice, "application/json", fmt.Sprintf(`{"file":"rental-deposit-2.yaml","source":%s}`, jsonString(v2)), 201)
	c.call(t, "GET", "/v1/policy/scorecards", alice, "", "", 200)
	// A rule version for rental, a purpose resting on consent, is audited
	// before it is approved, on its rules' points.
	c.call(t, "POST", "/v1/policy/scorecards/rental-deposit/versions/2/approval", bob, "", "", 403)
	c.call(t, "POST", "/v1/policy/scorecards/rental-deposit/versions/2/audits", alice, "application/json",
		fmt.Sprintf(`{"sample":%s,"protected":%s}`, policyFixture(t, "rental-audit-sample.csv"), policyFixture(t, "rental-audit-protected.csv")), 201)
	c.call(t, "POST", "/v1/policy/scorecards/rental-deposit/versions/2/approval", bob, "", "", 200)
	c.auditAndApprove(t, alice, bob)
	carol := c.call(t, "POST", "/v1/policy/keys", alice, "application/json", `{"name":"carol"}`, 201).body["key"].(map[string]any)["id"].(string)
	c.call(t, "POST", "/v1/policy/keys/"+carol+"/approval", bob, "", "", 200)
	c.call(t, "DELETE", "/v1/policy/keys/"+carol, alice, "", "", 200)
}

// auditAndApprove proposes a fitted consumer-credit version, which bob
// may not approve until alice audits it, and reads the audit's public
// summary.
func (c *contractRun) auditAndApprove(t *testing.T, alice, bob string) {
	read := func(name string) string { return policyFixture(t, name) }
	c.call(t, "POST", "/v1/policy/scorecards", alice, "application/json", fmt.Sprintf(`{"file":"cc-2.yaml","source":%s}`, read("consumer-credit-2.yaml")), 201)
	c.call(t, "POST", "/v1/policy/scorecards/consumer-credit/versions/2/approval", bob, "", "", 403)
	audit := c.call(t, "POST", "/v1/policy/scorecards/consumer-credit/versions/2/audits", alice, "application/json",
		fmt.Sprintf(`{"sample":%s,"protected":%s}`, read("audit-sample.csv"), read("audit-protected.csv")), 201)
	n, _ := audit.body["audit"].(map[string]any)["act"].(float64)
	c.call(t, "GET", fmt.Sprintf("/v1/admin-acts/%d/audit", int(n)), "", "", "", 200)
	c.call(t, "GET", "/v1/policy/scorecards", alice, "", "", 200)
	c.call(t, "POST", "/v1/policy/scorecards/consumer-credit/versions/2/approval", bob, "", "", 200)
}

// public reads what anyone may.
func (c *contractRun) public(t *testing.T) {
	for _, path := range []string{"/v1/catalogue", "/v1/scorecards", "/v1/scorecards/rental-deposit/versions/1", "/v1/admin-acts",
		"/v1/public/organisations/C12345678", "/v1/public/organisations?reg_no=C12345678,C00000000&reg_no=C87654321",
		"/v1/openapi.yaml", "/healthz", "/readyz", "/metrics", httpapi.DecisionKeysPath} {
		c.call(t, "GET", path, "", "", "", 200)
	}
}

// statistics drives the analysts' queries and budget and the monthly
// releases, answered and refused.
func (c *contractRun) statistics(t *testing.T) {
	month := time.Now().UTC().AddDate(0, 0, -20).Format("2006-01")
	last := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	c.call(t, "GET", "/v1/stats/tables/arrears?from="+month+"&to="+month+"&epsilon=0.2", c.h.analyst, "", "", 200)
	c.call(t, "GET", "/v1/stats/tables/grades?scorecard=consumer-credit&epsilon=0.2", c.h.analyst, "", "", 200)
	c.call(t, "GET", "/v1/stats/tables/grades?scorecard=consumer-credit&epsilon=0.2", c.h.analyst, "", "", 403)
	c.call(t, "GET", "/v1/stats/tables/grades?scorecard=no-such-card", c.h.analyst, "", "", 422)
	c.call(t, "GET", "/v1/stats/tables/grades?scorecard=consumer-credit", "", "", "", 401)
	c.call(t, "GET", "/v1/stats/budget", c.h.analyst, "", "", 200)
	c.call(t, "GET", "/v1/stats/budget", c.h.operator, "", "", 403)
	c.call(t, "POST", "/v1/stats/releases/"+last, c.h.operator, "", "", 201)
	c.call(t, "POST", "/v1/stats/releases/"+last, c.h.operator, "", "", 409)
	c.call(t, "GET", "/v1/stats/releases", "", "", "", 200)
	c.call(t, "GET", "/v1/stats/releases/"+last, "", "", "", 200)
	c.call(t, "GET", "/v1/stats/releases/1999-01", "", "", "", 404)
}

// refusals sends valid requests the server refuses: each status must be
// listed for its operation, with the Error shape.
func (c *contractRun) refusals(t *testing.T, alice string) {
	when := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	c.call(t, "POST", "/v1/events", c.h.bank, "application/x-ndjson", event("r1", "AB1234567", when, `{"days_late":4500,"amount":"1","currency":"EUR"}`), 422)
	c.call(t, "POST", "/v1/events", c.h.court, "application/x-ndjson", event("r2", "AB1234567", when, okFields), 403)
	c.call(t, "GET", "/v1/subjects/"+strings.Repeat("0", 31)+"1", c.h.operator, "", "", 404)
	c.call(t, "POST", "/v1/decisions", c.h.landlord, "application/json", `{"consent":"AAA-AAA-AAA-AAA","purpose":"rental","benefit":"deposit_waived"}`, 403)
	c.call(t, "POST", "/v1/me/consents", alice, "application/json", `{"relying_party":"nobody","purpose":"rental"}`, 404)
	c.call(t, "GET", "/v1/decisions/d_nosuchdecision", c.h.landlord, "", "", 404)
	c.call(t, "POST", "/v1/events", c.h.bank, `text/csv; delimiter=";"`, "id;subject_kind;subject_scheme;subject_value;type;occurred_at;days_late;amount;currency\n"+
		"r3;person;national_id;AB1234567;credit.instalment_late;"+when+";4500;1;EUR\n", 422)
	c.call(t, "GET", "/v1/scorecards/rental-deposit/versions/9", "", "", "", 404)
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// policyFixture is a file of policy/testdata as a JSON string.
func policyFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return jsonString(string(data))
}
