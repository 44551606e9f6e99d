package bench_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/candor-project/candor/bench"
	"github.com/candor-project/candor/postgres/pgtest"
)

func TestBenchDecisions(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a population and loads the server")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the bench's own data dir goes
	out := mustRun(t, "decisions", "--duration", "300ms", "--connections", "4", "--subjects", "200", "--persons", "300")
	for _, want := range []string{
		`(?m)^Granted 200 consents to demo_landlord for rental in `,
		`(?m)^sync floor \(a decision waits for one\): .*: p50 +\d+\.\d\d ms  p99 +\d+\.\d\d ms  \(200 commits\)$`,
		`(?m)^round 3: baseline +\d+ req/s p99 \d+\.\d\d ms \d+\.\d\d cores \| decisions +\d+ req/s p99 \d+\.\d\d ms \d+\.\d\d cores \| ratios \d+\.\d\d, \d+\.\d\d$`,
		`(?m)^baseline  POST /bench/trivial \(fixed JSON\), closed loop: +\d+ req/s  p50 +\d+\.\d\d ms  p99 +\d+\.\d\d ms  CPU +\d+ µs/req, \d+\.\d\d cores  \([1-9]\d* requests, 0 errors\)$`,
		`(?m)^decisions POST /v1/decisions, closed loop: +\d+ req/s  p50 +\d+\.\d\d ms  p99 +\d+\.\d\d ms  CPU +\d+ µs/req, \d+\.\d\d cores  \([1-9]\d* requests, 0 errors(, \d+ (approve|decline|refer))+\)$`,
		`(?m)^decisions POST /v1/decisions, open loop at \d+ req/s \(baseline/2\): +\d+ req/s  p50 +\d+\.\d\d ms  p99 +\d+\.\d\d ms  CPU +\d+ µs/req, \d+\.\d\d cores  \([1-9]\d* requests, 0 errors(, \d+ (approve|decline|refer))+(, \d+ not sent: more than the duration behind)?\)$`,
		`(?m)^decisions POST /v1/decisions, open loop at \d+ req/s \(own/2\): `,
		`(?m)^decisions POST /v1/decisions, closed loop: .*\n  heap allocations: [1-9]\d* a request, \d+\.\d KB a request\n  access log: [1-9]\d* group commits, [1-9]\d*\.\d access records a commit$`,
		`(?m)^throughput decisions/baseline: \d+\.\d\d \(target >= 0\.5: (met|NOT met)\)$`,
		`(?m)^process CPU per request, baseline/decisions: \d+\.\d\d \(.*; target >= 0\.5: (met|NOT met)\)$`,
		`(?m)^p99 decisions/baseline at 4 connections: \d+\.\d\d \(target <= 2\.0: (met|NOT met)\)$`,
		`(?m)^p99 at half the baseline's rate: \d+\.\d\d ms \(target <= 2\.00 ms: (met|NOT met)\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the output lacks %s:\n%s", want, out)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the bench left %s behind in its temporary directory", left[0].Name())
	}
}

// TestBenchDecisionsOnPostgres: with --store, the population, consents
// and decisions go to PostgreSQL, and every decision is answered.
func TestBenchDecisionsOnPostgres(t *testing.T) {
	db := pgtest.Database(t)
	t.Setenv("TMPDIR", t.TempDir())
	out := mustRun(t, "decisions", "--store", db, "--duration", "300ms", "--connections", "4", "--subjects", "50", "--persons", "100")
	for _, want := range []string{
		`(?m)^Posted \d+ events in .*: \d+ stored, 0 duplicates of earlier runs\.$`,
		`(?m)^decisions POST /v1/decisions, closed loop: +\d+ req/s .*\([1-9]\d* requests, 0 errors(, \d+ (approve|decline|refer))+\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the output lacks %s:\n%s", want, out)
		}
	}
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM candor_records").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 50 { // 50 consents, and the decisions
		t.Errorf("PostgreSQL holds %d records: the consents and decisions went elsewhere", n)
	}
}

// mustRun runs candor bench with args and returns its output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := bench.Run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("candor bench %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
