package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/httpapi"
)

// TestReadPurpose checks that every operator or reviewer read of a
// subject's data states a purpose from the closed list, or is refused
// with a 400 before anything is read; and that the person sees the
// purpose, in words, among the reads of their data.
func TestReadPurpose(t *testing.T) {
	h := mustHarness(t)
	id := h.lateSubject(t)
	person := h.key(t, candor.RoleSubject, id)
	get := func(t *testing.T, path, token, purpose string) response {
		t.Helper()
		req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if purpose != "" {
			req.Header.Set(httpapi.PurposeHeader, purpose)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		r := response{status: resp.StatusCode, raw: string(raw)}
		json.Unmarshal(raw, &r.body)
		return r
	}
	// Listing them is a read too, recorded after the list is made.
	before := len(h.do(t, "GET", "/v1/me/access", person, "", nil).body["access"].([]any)) + 1

	reads := []struct {
		path, token, purpose string
		status               int // with the purpose
	}{
		{"/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "subject_request", 200},
		{"/v1/subjects/" + id, h.operator, "dispute", 200},
		{"/v1/subjects/" + id + "/events", h.operator, "data_quality", 200},
		{"/v1/subjects/" + id + "/scores", h.operator, "legal_obligation", 200},
		{"/v1/subjects/" + id + "/scores/consumer-credit", h.operator, "security_incident", 200},
		{"/v1/subjects/" + id + "/access", h.operator, "subject_request", 200},
		{"/v1/reviews/d_none", h.reviewer, "human_review", 404},
		{"/v1/reviews", h.reviewer, "human_review", 200},
		{"/v1/subjects/" + id + "/access/1/proof", h.operator, "subject_request", 0}, // 0: any but 400 (the proof may not be logged yet)
	}
	for _, rd := range reads {
		for _, bad := range []struct{ name, purpose string }{
			{"none", ""},
			{"free text", "operator read"},
			{"unknown", "curiosity"},
			{"another role's", map[bool]string{true: "human_review", false: "dispute"}[rd.token == h.operator]},
			{"with spaces", " " + rd.purpose + "x"},
		} {
			t.Run(rd.path+"/"+bad.name, func(t *testing.T) {
				r := get(t, rd.path, rd.token, bad.purpose)
				if r.status != 400 || r.body["code"] != candor.EPURPOSE || !strings.Contains(r.raw, "Candor-Purpose") || !strings.Contains(r.raw, rd.purpose) {
					t.Fatalf("purpose %q: %d %s; want 400 %s naming the header and the purposes", bad.purpose, r.status, truncate(r.raw), candor.EPURPOSE)
				}
			})
		}
		t.Run(rd.path+"/stated", func(t *testing.T) {
			if rd.status == 0 {
				return // after the records are counted
			}
			if r := get(t, rd.path, rd.token, rd.purpose); r.status != rd.status {
				t.Fatalf("purpose %q: %d %s", rd.purpose, r.status, truncate(r.raw))
			}
		})
	}

	// Refused reads left no record; each served one did, with its purpose,
	// which the person reads in words.
	mine := h.do(t, "GET", "/v1/me/access", person, "", nil)
	recs := mine.body["access"].([]any)[before:]
	if len(recs) != 6 {
		t.Fatalf("%d new access records, want the 6 operator reads served: %s", len(recs), truncate(mine.raw))
	}
	for i, x := range recs {
		rec := x.(map[string]any)
		p, err := candor.ParseReadPurpose(candor.RoleOperator, reads[i].purpose)
		if err != nil || rec["purpose"] != reads[i].purpose || rec["purpose_text"] != p.Words() || rec["role"] != "operator" {
			t.Errorf("access record %d: %v; want purpose %s in words", i, rec, reads[i].purpose)
		}
	}
	if r := get(t, "/v1/subjects/"+id+"/access/1/proof", h.operator, "subject_request"); r.status == 400 {
		t.Errorf("a proof with a purpose: %d %s", r.status, truncate(r.raw))
	}
	if strings.Contains(mine.raw, "operator read") {
		t.Errorf("a read is shown as a bare %q: %s", "operator read", truncate(mine.raw))
	}
	// The person's own reads are recorded as theirs.
	h.do(t, "GET", "/v1/me/events", person, "", nil)
	mine = h.do(t, "GET", "/v1/me/access", person, "", nil)
	all := mine.body["access"].([]any)
	if last := all[len(all)-1].(map[string]any); last["role"] != "subject" || last["purpose"] != "the subject's own read" {
		t.Errorf("the person's own read of their events is recorded as %v", last)
	}
}
