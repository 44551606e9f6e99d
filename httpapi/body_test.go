package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// bodies are the control bodies the API reads, each as its handler does.
var bodies = []func() any{
	func() any { return new(decisionRequest) },
	func() any { return new(consentRequest) },
	func() any { return new(reviewRequest) },
	func() any { return new(closeReviewRequest) },
	func() any { return new(disputeRequest) },
	func() any { return new(answerRequest) },
	func() any { return new(erasureRequest) },
	func() any { return new(SourceRequest) },
	func() any { return new(RelyingPartyRequest) },
	func() any { return new(KeyRequest) },
}

// FuzzDecodeJSON feeds every control body decoder arbitrary bytes: it must
// never panic, and must either fill the request or fail with EMALFORMED (an
// unknown purpose, for one, is malformed: it names no purpose at all). What
// it accepts is one JSON object whose keys are the request's own, each
// once, and whose strings hold no refused character.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"consent":"AAA-AAA-AAA-AAA","purpose":"rental","benefit":"deposit_waived"}`,
		`{"consent":"x","purpose":"astrology"}`, `{"consent":"x"} {"consent":"y"}`, `{"consent":"x","extra":1}`,
		"\xff", `{"purpose":200}`, `{"relying_party":"landlord1","purpose":"rental","days":7}`,
		`{"statement":"line\nline\ttab"}`, `{"outcome":"approve","rationale":"ok"}`, `{"event":12,"statement":"no"}`,
		`{"answer":"correct","correction":"c1","note":"n"}`, `{"confirm":true}`,
		`{"name":"Bank","kind":"bank","types":["credit.*"]}`, `{"name":"L","purposes":["rental"],"statutory":[]}`,
		`{"role":"source","principal":"bank7"}`, `{"types":["a",["b"]]}`, `{"purposes":["\u202e"]}`,
		// The attacks of issue 11.
		`{"consent":"a","consent":"b"}`, `{"consent":"a","Consent":"b"}`, `{"consent":"a","\u0063onsent":"b"}`,
		`{"statement":` + strings.Repeat("[", 100), `{"statement":"\u0000"}`, `{"statement":"\u202e"}`,
		`{"statement":"\u001b[2J"}`, `{"note":"\r"}`, `{"event":1e3}`, `{"event":-1}`, `{"days":null}`,
	} {
		for i := range bodies {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, shape uint8, body []byte) {
		req := bodies[int(shape)%len(bodies)]()
		err := decodeJSON(body, req)
		if err != nil {
			if candor.ErrorCode(err) != candor.EMALFORMED {
				t.Fatalf("decodeJSON(%q): %v, want EMALFORMED", body, err)
			}
			return
		}
		if r, ok := req.(*decisionRequest); ok && r.Purpose != 0 && r.Purpose.String() == "unknown" {
			t.Fatalf("decodeJSON(%q) accepted purpose %d", body, r.Purpose)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("accepted %q, which is not a JSON object: %v", body, err)
		}
		tags := map[string]bool{}
		rt := reflect.TypeOf(req).Elem()
		for i := range rt.NumField() {
			tags[rt.Field(i).Tag.Get("json")] = true
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.Token() // {
		seen := map[string]bool{}
		for dec.More() {
			k, _ := dec.Token()
			key := k.(string)
			if !tags[key] || seen[key] {
				t.Fatalf("accepted %q with key %q", body, key)
			}
			seen[key] = true
			var v json.RawMessage
			dec.Decode(&v)
			var str string
			if json.Unmarshal(v, &str) == nil {
				if _, at := candor.ForbiddenRune(str, true); at >= 0 {
					t.Fatalf("accepted %q holding %q", body, str)
				}
			}
		}
	})
}

// FuzzErasureRequest: only a body that is exactly one JSON object with
// confirm true (and nothing else) is an erasure request; everything else
// fails with EMALFORMED or EINVALID, never a panic.
func FuzzErasureRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"confirm":true}`, ` {"confirm": true} `, `{"confirm":false}`, `{"confirm":1}`,
		`{"confirm":true,"x":1}`, `{"confirm":true}{}`, `[true]`, `null`, "\xff",
		`{"confirm":false,"confirm":true}`, `{"Confirm":true}`, `{"confirm":true}` + "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseErasureRequest(body)
		switch candor.ErrorCode(err) {
		case "":
			if !req.Confirm {
				t.Fatalf("%q accepted without confirm", body)
			}
			var m map[string]any
			if json.Unmarshal(body, &m) != nil || len(m) != 1 || m["confirm"] != true {
				t.Fatalf("%q accepted, but it is not {\"confirm\": true}", body)
			}
		case candor.EMALFORMED, candor.EINVALID:
		default:
			t.Fatalf("%q: %v", body, err)
		}
	})
}

// FuzzDecodeAnswer feeds the administration client arbitrary answers: it
// must never panic, and must return either the object asked for, for a
// 2xx status, or an error with a code: the API's own for an error in the
// API's shape whose code matches the status, EUNAVAILABLE for anything
// else.
func FuzzDecodeAnswer(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"keys":[{"id":"k1","role":"source","principal":"bank7","created_at":"2026-12-01T00:00:00Z"}]}`},
		{201, `{"key":{"id":"k1"},"token":"cndr_x"}`}, {403, `{"code":"forbidden","message":"no"}`},
		{500, `{"code":"forbidden","message":"no"}`}, {404, `not json`}, {200, `[`}, {409, `{"code":"","message":""}`},
		{403, "{\"code\":\"forbidden\",\"message\":\"\u001b[2Jgone\",\"details\":[{\"reason\":\"\u202e\"}]}"},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out IssuedKeyJSON
		err := decodeAnswer(status, body, &out)
		switch {
		case err == nil && (status < 200 || status > 299):
			t.Fatalf("decodeAnswer(%d, %q) succeeded", status, body)
		case err == nil:
		case candor.ErrorCode(err) == "":
			t.Fatalf("decodeAnswer(%d, %q): %v has no code", status, body, err)
		case status >= 200 && status < 300 && candor.ErrorCode(err) != candor.EUNAVAILABLE:
			t.Fatalf("decodeAnswer(%d, %q): %v, want EUNAVAILABLE", status, body, err)
		case candor.ErrorCode(err) != candor.EUNAVAILABLE && candor.HTTPStatus(candor.ErrorCode(err)) != status:
			t.Fatalf("decodeAnswer(%d, %q): %v, a code that does not match the status", status, body, err)
		}
		if err != nil {
			if _, at := candor.ForbiddenRune(err.Error(), false); at >= 0 {
				t.Fatalf("decodeAnswer(%d, %q): %q would reach a terminal", status, body, err.Error())
			}
		}
	})
}

// FuzzPolicyAnswers feeds the policy client's readings of a server's
// answers (a version, a minted key, the list of acts) anything: they
// either fail with EUNAVAILABLE or return only printable strings.
func FuzzPolicyAnswers(f *testing.F) {
	for _, seed := range []string{
		`{"version":{"id":"rental-deposit","version":2,"title":"Rental","state":"proposed","shipped":false,"proposed_by":"alice","proposed_at":"2026-12-01T00:00:00Z"}}`,
		`{"key":{"id":"k1","role":"policy_admin","principal":"carol"},"token":"cndr_x","act":{"n":3,"act":"key_requested","at":"2026-12-01T00:00:00Z","by":"alice"}}`,
		`{"acts":[{"n":1,"act":"scorecard_approved","at":"2026-12-01T00:00:00Z","scorecard":"x","version":2,"source_sha256":"00ff"}]}`,
		`{"version":{"state":"retired"}}`, "{\"version\":{\"id\":\"\u202e\",\"state\":\"active\"}}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(what string, err error, strs ...string) {
			if err != nil {
				if candor.ErrorCode(err) != candor.EUNAVAILABLE {
					t.Fatalf("%s of %q: %v, want EUNAVAILABLE", what, body, err)
				}
				return
			}
			for _, s := range strs {
				if _, at := candor.ForbiddenRune(s, false); at >= 0 {
					t.Fatalf("%s of %q: %q would reach a terminal", what, body, s)
				}
			}
		}
		var v struct {
			Version VersionJSON `json:"version"`
		}
		if decodeAnswer(200, body, &v) == nil {
			got, err := v.Version.version()
			if err == nil {
				check("a version", nil, got.Scorecard.ID, got.Scorecard.Title, got.ProposedBy, got.ApprovedBy)
			} else {
				check("a version", err)
			}
		}
		var m MintedKeyJSON
		if decodeAnswer(201, body, &m) == nil {
			if a, err := m.Act.act(); err == nil {
				check("an act", nil, a.By, a.Key, a.Principal)
			} else {
				check("an act", err)
			}
		}
		var l struct {
			Acts []adminActJSON `json:"acts"`
		}
		if decodeAnswer(200, body, &l) == nil {
			for _, x := range l.Acts {
				a, err := AdminActJSON{N: x.N, Act: x.Act, At: x.At, By: x.By, Key: x.Key, Principal: x.Principal}.act()
				check("a listed act", err)
				if err == nil {
					check("a listed act", nil, a.By, a.Key, a.Principal)
				}
			}
		}
	})
}
