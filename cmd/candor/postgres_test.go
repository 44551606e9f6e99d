package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/candor-project/candor/postgres/pgtest"
)

// TestDemoOnPostgres loads a small demo population into PostgreSQL
// (--store) and serves it: a lookup and a score read through the API come
// from the database, and a second load finds the population there.
func TestDemoOnPostgres(t *testing.T) {
	db := pgtest.Database(t)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"demo", "--store", db, "--data", data, "--addr", "127.0.0.1:0", "--persons", "60", "--orgs", "6", "--load-only"}
	mustRun(t, args...)
	// A second run finds the population in the database, and gives keys
	// (revoking the first run's).
	out, _ := mustRun(t, args...)
	if !regexp.MustCompile(`already loaded`).MatchString(out) {
		t.Fatalf("a second load did not find the population in PostgreSQL:\n%s", out)
	}
	operator := regexp.MustCompile(`export OPERATOR=(\S+)`).FindStringSubmatch(out)
	lookup := regexp.MustCompile(`'http://[^/']+(/v1/subjects:lookup\?scheme=national_id&value=[^']+)'`).FindStringSubmatch(out)
	if operator == nil || lookup == nil {
		t.Fatalf("the demo's tour lacks the operator key or a lookup:\n%s", out)
	}

	srv, err := serveFor(t, data, "--store", db)
	if err != nil {
		t.Fatal(err)
	}
	defer stopServer(t, srv)
	get := func(path string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+srv.Addr()+path, nil)
		req.Header.Set("Authorization", "Bearer "+operator[1])
		req.Header.Set("Candor-Purpose", "subject_request")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
		}
		return body
	}
	var subject struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(get(lookup[1]), &subject); err != nil || subject.ID == "" {
		t.Fatalf("lookup: %v, subject %+v", err, subject)
	}
	var score struct {
		Grade string `json:"grade"`
	}
	if err := json.Unmarshal(get("/v1/subjects/"+subject.ID+"/scores/rental-deposit"), &score); err != nil || score.Grade == "" {
		t.Fatalf("score of %s: %v, %+v", subject.ID, err, score)
	}
}
