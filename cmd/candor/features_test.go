package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/synth"
)

// charCard has every aggregate: count, months since last, share, and a
// sum and a max of a field.
const charCard = "../../scoring/testdata/credit-sums.yaml"

// candor features writes each listed person's characteristic values, as
// the engine's score explanation has them, records each read with purpose
// model_development, leaves unknown identifiers out, and candor fit reads
// the CSV back with the mapping it writes.
func TestFeatures(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "600", "--orgs", "5", "--load-only")
	// The demo stores most of the synthetic population: the rows are
	// those of the persons it stored, in order.
	sf := app.StoreConfig{Data: data}
	inst, err := app.Open(sf, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var subjects strings.Builder
	var ids []candor.SubjectID
	var stored []int
	for i := range 600 {
		nid := synth.Person(1, i).NationalID
		fmt.Fprintf(&subjects, "national_id:%s\n", nid)
		if i == 3 {
			subjects.WriteString("\nnational_id:ZZ0000000\n")
		}
		id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid}))
		if err == nil {
			ids = append(ids, id)
			stored = append(stored, i)
		}
	}
	unknown := 600 + 1 - len(ids)
	// The first stored person is also known by tax number.
	p0 := synth.Person(1, stored[0])
	tax := inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.TaxNumber, Value: p0.TaxNumber})
	if _, err := inst.Store.Commit(ctx, &candor.WriteBatch{Indexes: []candor.IndexEntry{{Index: tax, Subject: ids[0]}}}); err != nil {
		t.Fatal(err)
	}
	inst.Close()
	n := len(ids)
	subjectsFile := filepath.Join(dir, "subjects.txt")
	os.WriteFile(subjectsFile, []byte(subjects.String()), 0o600)
	out, mapping := filepath.Join(dir, "features.csv"), filepath.Join(dir, "features.yaml")
	at := time.Now().UTC().Truncate(24 * time.Hour)

	// A list with a subject twice or one of another kind is refused whole,
	// before any subject is read.
	org := synth.Org(1, 0)
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("national_id:"+p0.NationalID+"\n\ntax_number:"+p0.TaxNumber+"\ncompany_reg_no:"+org.CompanyRegNo+"\n"), 0o600)
	var so, se bytes.Buffer
	err = run(context.Background(), []string{"features", "--data", data, "--scorecard", charCard, "--subjects", bad, "--at", at.Format(time.DateOnly), "--out", out}, &so, &se)
	if err == nil || !strings.Contains(err.Error(), "line 3: the subject of line 1 again") || !strings.Contains(err.Error(), "line 4: an organisation, but scorecard consumer-credit is for a person") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused list wrote a CSV")
	}
	stdout, stderr := mustRun(t, "features", "--data", data, "--scorecard", charCard, "--subjects", subjectsFile,
		"--at", at.Format(time.DateOnly), "--out", out, "--mapping-out", mapping)
	if !strings.Contains(stdout, fmt.Sprintf("wrote %d rows", n)) || !strings.Contains(stderr, fmt.Sprintf("%d identifiers matched no subject", unknown)) {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	f, _ := os.ReadFile(out)
	rows, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || rows[0][0] != "subject" || strings.Contains(string(f), synth.Person(1, 0).NationalID) {
		t.Fatalf("features.csv: %d rows, header %v", len(rows), rows[0])
	}

	raw, _ := os.ReadFile(charCard)
	inst, err = app.Open(sf, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	card, err := scoring.Load("c.yaml", raw, inst.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	chars := card.Scorecard().Characteristics
	nonzero := 0
	valued := map[candor.Aggregate]int{}
	for i := range n {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			id := ids[i]
			key, err := inst.Vault.SubjectKey(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			events, err := key.ReadEvents(ctx, inst.Store)
			if err != nil {
				t.Fatal(err)
			}
			score, err := card.Score(id, events, at)
			if err != nil {
				t.Fatal(err)
			}
			row := rows[i+1]
			if row[0] != strconv.Itoa(i+1) {
				t.Errorf("subject column %q, want row number %d", row[0], i+1)
			}
			for k, ch := range chars {
				v, ok := 0.0, row[k+1] != "NA"
				if ok {
					if v, err = strconv.ParseFloat(row[k+1], 64); err != nil {
						t.Fatal(err)
					}
				}
				ct := score.Contributions[k]
				points := ch.Other
				for _, b := range ch.Bins {
					if b.Contains(v, ok) {
						points = b.Points
						break
					}
				}
				if ct.Rule != ch.ID || float64(points) != ct.Points {
					t.Errorf("%s = %s: bin of %d points, the explanation gives %s %g", ch.ID, row[k+1], points, ct.Rule, ct.Points)
				}
				switch ch.Aggregate {
				case candor.AggregateCount:
					if v != float64(len(ct.Events)) {
						t.Errorf("%s = %g, the explanation counts %d events", ch.ID, v, len(ct.Events))
					}
				case candor.AggregateMonthsSinceLast:
					if !ok && len(ct.Events) > 0 || ok && v != float64(at.Sub(ct.Events[len(ct.Events)-1].OccurredAt)/(30*24*time.Hour)) {
						t.Errorf("%s = %s, the explanation has %d events", ch.ID, row[k+1], len(ct.Events))
					}
				case candor.AggregateShare:
					if ok != (len(ct.Events) > 0) || v < 0 || v > 1 {
						t.Errorf("%s = %s, over %d events", ch.ID, row[k+1], len(ct.Events))
					}
				case candor.AggregateSum, candor.AggregateMax:
					// Worked out again from the events the explanation
					// names: days late summed; the largest amount in EUR.
					byID := map[candor.EventID]*candor.Event{}
					for _, e := range events {
						byID[e.ID] = e
					}
					want, any := 0.0, false
					for _, ce := range ct.Events {
						for _, f := range byID[ce.ID].Fields {
							switch {
							case f.Name != ch.Field:
							case ch.Aggregate == candor.AggregateSum:
								want += float64(f.Value.Int)
							case !any || float64(f.Value.Int)/candor.AmountScale > want:
								want, any = float64(f.Value.Int)/candor.AmountScale, true
							}
						}
					}
					if ch.Aggregate == candor.AggregateMax && ok != any || ok && v != want {
						t.Errorf("%s = %s, the events it names give %g", ch.ID, row[k+1], want)
					}
					if ok && v != 0 {
						valued[ch.Aggregate]++
					}
				}
				if ok && v != 0 {
					nonzero++
				}
			}
			var purposes []string
			for r, err := range inst.Store.AccessRecords(ctx, id) {
				if err != nil {
					t.Fatal(err)
				}
				a, _, err := key.OpenAccess(r)
				if err != nil {
					t.Fatal(err)
				}
				purposes = append(purposes, a.Purpose)
				if a.Purpose == "model_development" && (a.Role != candor.RoleOperator || !strings.Contains(candor.PurposeWords(a.Purpose), "fit a new version")) {
					t.Errorf("access %+v, in words %q", a, candor.PurposeWords(a.Purpose))
				}
			}
			if !strings.Contains(strings.Join(purposes, ","), "model_development") {
				t.Errorf("access records %v: none with purpose model_development", purposes)
			}
		})
	}
	if nonzero == 0 || valued[candor.AggregateSum] == 0 || valued[candor.AggregateMax] == 0 {
		t.Errorf("%d values not zero or missing, sums and maxima %v: the test proves too little", nonzero, valued)
	}
	if _, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: "ZZ0000000"})); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the unknown identifier resolves: %v", err)
	}
	// The refused list read nobody: the organisation has no access record.
	orgID, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.CompanyRegNo, Value: org.CompanyRegNo}))
	if err != nil {
		t.Fatal(err)
	}
	for r, err := range inst.Store.AccessRecords(ctx, orgID) {
		t.Errorf("access record %v, %v about the organisation of a refused list", r, err)
	}
	// Subjects are read several at a time: one that cannot be read fails
	// the whole list, with its error and no rows.
	aud, err := app.OpenAudit(inst, app.Defaults().TLog, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	subs := []listed{{id: ids[0]}, {id: candor.NewSubjectID()}}
	for _, id := range ids[1:min(len(ids), 40)] {
		subs = append(subs, listed{id: id})
	}
	if all, err := featuresOfAll(ctx, inst, aud.Access(), card, subs, at); err == nil || all != nil {
		t.Errorf("a list with an unknown subject: %d rows, err %v", len(all), err)
	}
	if err := aud.Close(); err != nil {
		t.Error(err)
	}
	inst.Close()

	// policy simulate scores the population with the sums and maxima too.
	if sim, _ := mustRun(t, "policy", "simulate", "--data", data, charCard); !strings.Contains(sim, "to candidate v3") || !strings.Contains(sim, "moved down:") {
		t.Errorf("simulate of the version with sums and maxima:\n%s", sim)
	}

	// candor fit reads the CSV back with an outcome column appended.
	var b strings.Builder
	for i, r := range rows {
		y := "outcome"
		if i > 0 {
			y = "0"
			if i%5 == 0 || r[1] != "0" && i%2 == 0 {
				y = "1"
			}
		}
		b.WriteString(strings.Join(append(r, y), ",") + "\n")
	}
	withOutcome := filepath.Join(dir, "outcomes.csv")
	os.WriteFile(withOutcome, []byte(b.String()), 0o600)
	prefix := filepath.Join(dir, "fitted")
	stdout, _ = mustRun(t, "fit", "--mapping", mapping, "--min-iv", "0", "--out", prefix, withOutcome)
	if strings.Contains(stdout, "does not load") {
		t.Fatalf("fit:\n%s", stdout)
	}
	if _, err := os.Stat(prefix + ".yaml"); err != nil {
		t.Fatal(err)
	}
}

// A rule scorecard is refused a mapping (it is not fitted), naming why,
// and nothing is written.
func TestFeaturesRefusesRuleScorecard(t *testing.T) {
	dir := t.TempDir()
	subjectsFile := filepath.Join(dir, "s.txt")
	os.WriteFile(subjectsFile, []byte("national_id:AB1234567\n"), 0o600)
	out := filepath.Join(dir, "f.csv")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"features", "--data", filepath.Join(dir, "data"), "--scorecard", "../../scoring/scorecards/consumer-credit.yaml",
		"--subjects", subjectsFile, "--at", "2026-01-01", "--out", out, "--mapping-out", filepath.Join(dir, "m.yaml")}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "has rules, not characteristics: its rules' points can be audited, not fitted") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a CSV was written")
	}
}

func TestParseSubjects(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
		n             int
	}{
		{"two", "national_id:AB1234567\n\n  tax_number:" + synth.Person(1, 0).TaxNumber + " \n", "", 2},
		{"no colon", "AB1234567\n", "line 1: want scheme:value", 0},
		{"unknown scheme", "national_id:AB1234567\nshoe_size:42\n", `line 2: unknown identifier scheme "shoe_size"`, 0},
		{"empty", "\n\n", "no identifiers", 0},
		{"twice", "national_id:AB1234567\nnational_id:ab 123 4567\n", "line 2: the identifier of line 1 again", 0},
		{"long line", "national_id:" + strings.Repeat("A", 300), "line 1: longer than", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := parseSubjects(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(ids) != tc.n {
				t.Fatalf("%d identifiers, err %v", len(ids), err)
			}
		})
	}
}

// FuzzParseSubjects: any input gives identifiers that round-trip through
// normalisation, or an error; never a panic.
func FuzzParseSubjects(f *testing.F) {
	f.Add("national_id:AB1234567\ntax_number:123456789\n")
	f.Add("x:\n:y\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		ids, err := parseSubjects(strings.NewReader(in))
		if err != nil {
			if len(ids) != 0 {
				t.Fatal("identifiers with an error")
			}
			return
		}
		for _, li := range ids {
			id := li.ident
			again, err := candor.NormaliseIdentifier(id.Scheme, id.Value)
			if err != nil || again != id {
				t.Fatalf("%v does not normalise to itself: %v %v", id, again, err)
			}
		}
	})
}
