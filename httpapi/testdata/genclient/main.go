// Command genclient is built by TestGeneratedClient with the client
// oapi-codegen generates from httpapi/openapi.yaml (client.gen.go, same
// package) and run against a live server: a subject grants a consent
// (a typed request body), a relying party takes a decision with it and
// is refused one with a consent that does not exist, and the subject
// lists its decisions, all read as typed responses. It prints what it
// read as JSON for the test to check.
//
// Usage: genclient BASE_URL SUBJECT_TOKEN RELYING_PARTY_TOKEN
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		fail("usage: genclient BASE_URL SUBJECT_TOKEN RELYING_PARTY_TOKEN")
	}
	base, subject, party := os.Args[1], os.Args[2], os.Args[3]
	ctx := context.Background()
	c, err := NewClientWithResponses(base)
	if err != nil {
		fail("client: %v", err)
	}
	days := 10
	consent, err := c.CreateMyConsentWithResponse(ctx, CreateMyConsentJSONRequestBody{RelyingParty: "landlord1", Purpose: "rental", Days: &days}, bearer(subject))
	check("consent", err)
	if consent.JSON201 == nil {
		fail("consent: %d %s", consent.StatusCode(), consent.Body)
	}
	decision, err := c.CreateDecisionWithResponse(ctx, CreateDecisionJSONRequestBody{Consent: consent.JSON201.Code, Purpose: "rental", Benefit: "deposit_waived"}, bearer(party))
	check("decision", err)
	if decision.JSON200 == nil {
		fail("decision: %d %s", decision.StatusCode(), decision.Body)
	}
	refused, err := c.CreateDecisionWithResponse(ctx, CreateDecisionJSONRequestBody{Consent: "AAA-AAA-AAA-AAA", Purpose: "rental", Benefit: "deposit_waived"}, bearer(party))
	check("a decision without consent", err)
	if refused.JSON403 == nil {
		fail("a decision without consent: %d %s", refused.StatusCode(), refused.Body)
	}
	mine, err := c.ListMyDecisionsWithResponse(ctx, bearer(subject))
	check("the subject's decisions", err)
	if mine.JSON200 == nil {
		fail("the subject's decisions: %d %s", mine.StatusCode(), mine.Body)
	}
	var ids []string
	for _, d := range mine.JSON200.Decisions {
		ids = append(ids, d.Id)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"consent_code":    consent.JSON201.Code,
		"consent_state":   string(consent.JSON201.State),
		"consent_expires": consent.JSON201.ExpiresAt,
		"decision_id":     decision.JSON200.DecisionId,
		"outcome":         string(decision.JSON200.Outcome),
		"grade":           decision.JSON200.Grade,
		"scorecard_id":    decision.JSON200.ScorecardId,
		"valid_until":     decision.JSON200.ValidUntil,
		"refused_code":    string(refused.JSON403.Code),
		"refused_status":  refused.StatusCode(),
		"my_decisions":    ids,
	})
}

// bearer sends token as the request's API key.
func bearer(token string) RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

func check(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
