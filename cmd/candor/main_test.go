package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/synth"
)

// mustRun runs candor with args and returns what it wrote. The buffers
// are locked: a command's output and its server's log lines (the jobs
// lease's, say) are written from several goroutines.
func mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("candor %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

func TestDemoRerunStoresNothingTwice(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "300", "--orgs", "30", "--load-only"}
	out, _ := mustRun(t, args...)
	if !strings.Contains(out, "duplicates of earlier runs") || strings.Contains(out, " 0 stored") {
		t.Fatalf("first run stored nothing:\n%s", out)
	}
	for _, want := range []string{"export OPERATOR=cndr_", "subjects:lookup?scheme=national_id", "/v1/subjects/", "/signin/demo?token=", "/console/ — paste an API key"} {
		if !strings.Contains(out, want) {
			t.Errorf("the tour lacks %q", want)
		}
	}
	out2, _ := mustRun(t, args...)
	if !strings.Contains(out2, "already loaded") {
		t.Fatalf("second run did not notice the loaded population:\n%s", out2)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append(args, "--seed", "2"), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "holds the demo population of seed 1") {
		t.Fatalf("a second seed in the same data dir: %v", err)
	}
	// Without the marker everything is posted again, and all of it is a duplicate.
	// --cpuprofile profiles the whole run; each phase logs its wall and
	// CPU time.
	removeMarker(t, data)
	prof := filepath.Join(t.TempDir(), "demo.prof")
	out3, errOut3 := mustRun(t, append(args, "--cpuprofile", prof)...)
	if !strings.Contains(out3, ": 0 stored,") {
		t.Fatalf("re-posting the population stored something again:\n%s", out3)
	}
	if p, err := os.ReadFile(prof); err != nil || len(p) < 2 || p[0] != 0x1f || p[1] != 0x8b { // a gzipped profile
		t.Errorf("the CPU profile: %d bytes, %v", len(p), err)
	}
	for _, phase := range []string{`phase="open and start"`, "phase=load", "phase=tour", "phase=close"} {
		if !regexp.MustCompile(`msg="demo phase" ` + phase + ` wall=[0-9.hms]+ cpu=[0-9.hms]+`).MatchString(errOut3) {
			t.Errorf("stderr lacks the phase %s with its wall and CPU time:\n%s", phase, errOut3)
		}
	}
}

// removeMarker forgets that the demo was loaded, through the store itself.
func removeMarker(t *testing.T, data string) {
	t.Helper()
	sf := app.StoreConfig{Data: data}
	inst, err := app.Open(sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if err := inst.Store.PutMeta(context.Background(), "demo/population", []byte("forgotten")); err != nil {
		t.Fatal(err)
	}
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "source", "add", "--data", data, "--id", "rent1", "--name", "Rent Registry", "--kind", "landlord", "--types", "rent.*")
	nd := filepath.Join(dir, "rent.ndjson")
	csvFile := filepath.Join(dir, "rent.csv")
	bad := filepath.Join(dir, "bad.ndjson")
	line := func(id string, person int) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":"RR%07d"},"type":"rent.paid","occurred_at":"2026-01-05T00:00:00Z","fields":{"amount":"650.00","currency":"EUR"}}`+"\n", id, person)
	}
	var b strings.Builder
	for i := 0; i < 2500; i++ { // three chunks of at most 1,000
		b.WriteString(line(fmt.Sprint("r", i), i%300))
	}
	os.WriteFile(nd, []byte(b.String()), 0o644)
	// A quoted cell with a comma, and an empty optional cell.
	os.WriteFile(csvFile, []byte("id,subject_kind,subject_scheme,subject_value,type,occurred_at,days_late,amount,currency\n"+
		"\"c1,x\",person,national_id,RR0000001,rent.late,2026-02-05T00:00:00Z,12,650.00,EUR\n"+
		"c2,person,national_id,RR0000002,rent.paid,2026-02-05T00:00:00Z,,650.00,EUR\n"), 0o644)
	// Line 2 is fine, line 3 names a person by a malformed national ID.
	os.WriteFile(bad, []byte(line("b1", 1)+line("b2", 2)+strings.Replace(line("b3", 3), "RR0000003", "RR3", 1)), 0o644)

	out, _ := mustRun(t, "import", "--data", data, "--source", "rent1", nd, csvFile)
	if !strings.Contains(out, "rent.ndjson: 2500 events stored, 0 duplicates") || !strings.Contains(out, "rent.csv: 2 events stored") {
		t.Fatalf("import: %s", out)
	}
	out, _ = mustRun(t, "import", "--data", data, "--source", "rent1", nd)
	if !strings.Contains(out, "0 events stored, 2500 duplicates") {
		t.Fatalf("re-import: %s", out)
	}
	wantMaterialised(t, data)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"import", "--data", data, "--source", "rent1", bad}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 problem(s); nothing was imported") || !strings.Contains(stderr.String(), "bad.ndjson:3: subject.value") {
		t.Fatalf("bad file: %v\n%s", err, stderr.String())
	}
	// As a spreadsheet saves it in a locale with decimal commas: a byte
	// order mark, semicolons, a decimal comma in a quoted cell.
	sheet := filepath.Join(dir, "sheet.csv")
	os.WriteFile(sheet, []byte("\xef\xbb\xbfid;subject_kind;subject_scheme;subject_value;type;occurred_at;amount;currency\n"+
		"s1;person;national_id;RR0000004;rent.paid;2026-03-05T00:00:00Z;\"650.00\";EUR\n"), 0o644)
	if out, _ := mustRun(t, "import", "--data", data, "--source", "rent1", "--delimiter", ";", sheet); !strings.Contains(out, "sheet.csv: 1 events stored") {
		t.Errorf("a semicolon-separated sheet with a byte order mark: %s", out)
	}
	for _, d := range []string{"ab", "\"", ""} {
		if err := run(context.Background(), []string{"import", "--data", data, "--source", "rent1", "--delimiter", d, sheet}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--delimiter") {
			t.Errorf("--delimiter %q: %v, want it refused", d, err)
		}
	}
}

func TestSourceAdmin(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "court.restriction_*"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "only court sources may post") {
		t.Fatalf("a bank was allowed court orders: %v", err)
	}
	mustRun(t, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*,rent.paid")
	out, _ := mustRun(t, "source", "key", "--data", data, "bank1")
	if !regexp.MustCompile(`^cndr_\S+\n$`).MatchString(out) {
		t.Fatalf("source key prints more than the token, so TOKEN=$(candor source key ID) breaks: %q", out)
	}
	token := strings.Fields(out)[0]
	keyID := strings.Split(token, "_")[1]
	out, _ = mustRun(t, "source", "list", "--data", data)
	if !regexp.MustCompile(`bank1\s+bank\s+6\s+1/1\s+Bank`).MatchString(out) || !strings.Contains(out, keyID) || strings.Contains(out, token) {
		t.Fatalf("list after key (must show the key ID, never the token):\n%s", out)
	}
	mustRun(t, "source", "revoke", "--data", data, keyID)
	out, _ = mustRun(t, "source", "list", "--data", data)
	if !regexp.MustCompile(`bank1\s+bank\s+6\s+0/1`).MatchString(out) {
		t.Fatalf("list after revoke:\n%s", out)
	}
	out, _ = mustRun(t, "operator", "key", "--data", data, "alice")
	if !strings.HasPrefix(out, "cndr_") {
		t.Fatalf("operator key: %s", out)
	}
}

func TestScore(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "100", "--orgs", "10", "--load-only")
	person := "national_id:" + synth.Person(1, 0).NationalID
	out, _ := mustRun(t, "score", "--data", data, person)
	for _, want := range []string{"rental-deposit v1", "consumer-credit v1", "points (range 0–1300, base 1000), grade "} {
		if !strings.Contains(out, want) {
			t.Errorf("score output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "business-compliance") {
		t.Errorf("a person was scored on the organisations' scorecard:\n%s", out)
	}
	org := "company_reg_no:" + synth.Org(1, 0).CompanyRegNo
	out, _ = mustRun(t, "score", "--data", data, "--scorecard", "business-compliance", "--at", "2026-01-01", org)
	if !strings.Contains(out, "business-compliance v1") || !strings.Contains(out, "at 2026-01-01") {
		t.Errorf("organisation score:\n%s", out)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"score", "--data", data, "national_id:ZZ0000000"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "national_id:ZZ0000000") {
		t.Errorf("unknown subject: %v", err)
	}
}

func TestPolicySimulateAndRescore(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "400", "--orgs", "40", "--fit-persons", "0", "--load-only")
	wantMaterialised(t, data) // on ingest
	shipped, err := os.ReadFile("../../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A candidate that doubles the penalty for late rent can only move people down.
	stricter := strings.Replace(strings.Replace(string(shipped), "version: 1", "version: 2", 1), "    points: -40\n", "    points: -80\n", 1)
	if stricter == string(shipped) {
		t.Fatal("the test's edit of rental-deposit.yaml no longer applies")
	}
	file := filepath.Join(dir, "rental-deposit-v2.yaml")
	os.WriteFile(file, []byte(stricter), 0o644)
	out, _ := mustRun(t, "policy", "simulate", "--data", data, file)
	// The counts carry noise (ε = 1, a margin of a few subjects a cell):
	// nobody moves up, so each of the 15 cells above the diagonal (six
	// grades) is noise only, within its margin (by far, in all: the
	// noise is clamped at 0, and strays past the margin 5 % of the time).
	m := regexp.MustCompile(`moved up: (\d+) .*moved down: (\d+) .*the rest: (\d+)`).FindStringSubmatch(out)
	mm := regexp.MustCompile(`within ±(\d+) of the exact count`).FindStringSubmatch(out)
	if m == nil || mm == nil {
		t.Fatalf("simulate:\n%s", out)
	}
	up, _ := strconv.Atoi(m[1])
	margin, _ := strconv.Atoi(mm[1])
	if up > 15*margin || !strings.Contains(out, "published v1 (rows) to candidate v2") {
		t.Fatalf("simulate:\n%s", out)
	}
	out, _ = mustRun(t, "policy", "diff", "rental-deposit", file)
	if !strings.Contains(out, "rental-deposit v1 -> rental-deposit v2") || !strings.Contains(out, `rule rent_late: points "-40" -> "-80"`) ||
		strings.Count(out, "\n") != 2 {
		t.Fatalf("diff:\n%s", out)
	}
	if out, _ = mustRun(t, "policy", "diff", "rental-deposit", "rental-deposit"); !strings.Contains(out, "no changes") {
		t.Fatalf("diff of a scorecard with itself:\n%s", out)
	}
	// Versions: the proposer cannot approve; a second administrator can, and
	// scores then use the new version while the old one stays listed.
	// Administrators authenticate with keys of their own.
	keyFile := func(name string) string {
		out, _ := mustRun(t, "policy", "key", "--data", data, name)
		f := filepath.Join(dir, name+".key")
		os.WriteFile(f, []byte(strings.SplitN(out, "\n", 2)[0]), 0o600)
		return f
	}
	alice, bob := keyFile("alice"), keyFile("bob")
	var stdout, stderr bytes.Buffer
	os.Chmod(alice, 0o644)
	if err := run(context.Background(), []string{"policy", "propose", "--data", data, file, "--key-file", alice}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file others can read was used: %v", err)
	}
	os.Chmod(alice, 0o600)
	forged := filepath.Join(dir, "forged.key")
	os.WriteFile(forged, []byte("cndr_aaaaaaaa_"+strings.Repeat("a", 52)), 0o600)
	if err := run(context.Background(), []string{"policy", "propose", "--data", data, file, "--key-file", forged}, &stdout, &stderr); candor.ErrorCode(err) != candor.EUNAUTHORIZED {
		t.Fatalf("a forged key proposed: %v", err)
	}
	mustRun(t, "policy", "propose", "--data", data, file, "--key-file", alice)
	err = run(context.Background(), []string{"policy", "approve", "--data", data, "rental-deposit", "2", "--key-file", alice}, &stdout, &stderr)
	if candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Fatalf("the proposer approved her own version: %v", err)
	}
	err = run(context.Background(), []string{"policy", "approve", "--data", data, "rental-deposit", "2", "--key-file", bob}, &stdout, &stderr)
	if candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "no fairness audit") {
		t.Fatalf("bob approved a rule version for rental no one audited: %v", err)
	}
	auditRental(t, func(args ...string) string { out, _ := mustRun(t, args...); return out }, "--data", data, "--key-file", alice)
	out, _ = mustRun(t, "policy", "approve", "--data", data, "rental-deposit", "2", "--key-file", bob)
	if !strings.Contains(out, "approved by bob and active") || !strings.Contains(out, "Grades under rental-deposit v2 now:") || !strings.Contains(out, "differential-privacy noise") {
		t.Fatalf("approve:\n%s", out)
	}
	wantMaterialised(t, data) // v2, by the pass activation runs
	// A pass cut short and run again stores nothing twice: the log's
	// account stays exact.
	rerunMaterialise(t, data)
	if out, _ := mustRun(t, "audit", "verify", "--data", data); !strings.Contains(out, "OK") {
		t.Fatalf("audit verify after a second materialisation pass:\n%s", out)
	}
	out, _ = mustRun(t, "policy", "list", "--data", data)
	if !regexp.MustCompile(`rental-deposit\s+1\s+superseded`).MatchString(out) || !regexp.MustCompile(`rental-deposit\s+2\s+active\s+alice .*bob`).MatchString(out) {
		t.Fatalf("list:\n%s", out)
	}
	out, _ = mustRun(t, "score", "--data", data, "--scorecard", "rental-deposit", "national_id:"+synth.Person(1, 0).NationalID)
	if !strings.Contains(out, "rental-deposit v2") {
		t.Fatalf("score after activation:\n%s", out)
	}
	out, _ = mustRun(t, "bench", "rescore", "--data", data, "--rounds", "1")
	if !regexp.MustCompile(`rescore .* \d+ events/s .* \d+ subjects/s`).MatchString(out) || !strings.Contains(out, "ratio rescore/raw scan") {
		t.Fatalf("bench rescore:\n%s", out)
	}
}

func TestRelyingPartyAdmin(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"rp", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--purposes", "credit,astrology"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), `"astrology" is not a purpose; the purposes are credit`) {
		t.Fatalf("an unknown purpose: %v", err)
	}
	mustRun(t, "rp", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--purposes", "credit,rental")
	token, _ := mustRun(t, "rp", "key", "--data", data, "bank1")
	if !strings.HasPrefix(token, "cndr_") || strings.Count(token, "\n") != 1 {
		t.Fatalf("rp key prints the token alone: %q", token)
	}
	out, _ := mustRun(t, "rp", "list", "--data", data)
	if !regexp.MustCompile(`bank1\s+credit,rental\s+1/1\s+Bank One`).MatchString(out) || strings.Contains(out, strings.TrimSpace(token)) {
		t.Fatalf("rp list:\n%s", out)
	}
	if err := run(context.Background(), []string{"rp", "key", "--data", data, "nobody"}, &stdout, &stderr); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a key for an unknown relying party: %v", err)
	}
	if err := run(context.Background(), []string{"subject", "key", "--data", data, "national_id:AB1234567"}, &stdout, &stderr); err == nil {
		t.Error("a key for a subject that does not exist")
	}
	if out, _ := mustRun(t, "reviewer", "key", "--data", data, "rita"); !strings.HasPrefix(out, "cndr_") {
		t.Errorf("reviewer key: %q", out)
	}
}

// newKey issues an API key on the store and returns its token.
func newKey(ctx context.Context, inst *app.Installation, role candor.Role, principal string) (string, error) {
	token, _, err := inst.Registrar().IssueKey(ctx, role, principal)
	return token, err
}
