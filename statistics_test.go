package candor_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

var statNow = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// TestParseStatQuery: the parameters each table takes, their defaults,
// and every problem named at once.
func TestParseStatQuery(t *testing.T) {
	q, err := candor.ParseStatQuery("arrears", nil, statNow)
	if err != nil || q.Kind != candor.Person || q.Epsilon != candor.DefaultQueryEpsilon ||
		q.From.Format("2006-01") != "2025-12" || q.To.Format("2006-01") != "2026-11" || len(q.Months()) != 12 {
		t.Errorf("defaults: %+v, %v", q, err)
	}
	q, err = candor.ParseStatQuery("categories", url.Values{"kind": {"organisation"}, "from": {"2026-01"}, "to": {"2026-12"}, "epsilon": {"0.25"}}, statNow)
	if err != nil || q.Kind != candor.Organisation || q.Epsilon != 250_000 || len(q.Months()) != 12 ||
		q.String() != "categories?kind=organisation&from=2026-01&to=2026-12&epsilon=0.25" {
		t.Errorf("given: %s %+v, %v", q, q, err)
	}
	q, err = candor.ParseStatQuery("grades", url.Values{"scorecard": {"consumer-credit"}}, statNow)
	if err != nil || q.Scorecard != "consumer-credit" || q.ByMonth() || q.String() != "grades?kind=person&scorecard=consumer-credit&epsilon=0.1" {
		t.Errorf("grades: %s, %v", q, err)
	}
	for _, c := range []struct {
		table string
		p     url.Values
		code  string
		says  []string
	}{
		{"incomes", nil, candor.ENOTFOUND, []string{`"incomes"`, "grades, categories"}},
		{"grades", nil, candor.EINVALID, []string{"scorecard: name"}},
		{"grades", url.Values{"scorecard": {"A B"}, "from": {"2026-01"}}, candor.EINVALID, []string{`"from": not a parameter of grades`, `scorecard "A B"`}},
		{"arrears", url.Values{"epsilon": {"2"}, "kind": {"robot"}}, candor.EINVALID, []string{"epsilon 2: from 0.01 to 1", `kind "robot"`}},
		{"arrears", url.Values{"epsilon": {"0.001"}}, candor.EINVALID, []string{"epsilon 0.001"}},
		{"arrears", url.Values{"epsilon": {"1e-1"}}, candor.EINVALID, []string{"at most six places"}},
		{"arrears", url.Values{"epsilon": {"0.1", "0.2"}}, candor.EINVALID, []string{"given 2 times"}},
		{"arrears", url.Values{"from": {"2026-13"}}, candor.EINVALID, []string{`from "2026-13": a month`}},
		{"arrears", url.Values{"to": {"2027-01"}}, candor.EINVALID, []string{"after this month"}},
		{"arrears", url.Values{"from": {"2026-06"}, "to": {"2026-05"}}, candor.EINVALID, []string{"is after to"}},
		{"arrears", url.Values{"from": {"2020-01"}, "to": {"2026-01"}}, candor.EINVALID, []string{"more than 36 months"}},
	} {
		_, err := candor.ParseStatQuery(c.table, c.p, statNow)
		if candor.ErrorCode(err) != c.code {
			t.Errorf("%s %v: %v, want %s", c.table, c.p, err, c.code)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s %v: %v, want it to say %q", c.table, c.p, err, s)
			}
		}
	}
}

// FuzzParseStatQuery: any table and query string parses to a query
// within the bounds, or to an error with a code, never a panic.
func FuzzParseStatQuery(f *testing.F) {
	f.Add("arrears", "from=2026-01&to=2026-03&epsilon=0.5")
	f.Add("grades", "scorecard=consumer-credit&kind=organisation")
	f.Add("event-types", "epsilon=1.000000&epsilon=0")
	f.Fuzz(func(t *testing.T, table, query string) {
		p, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		q, err := candor.ParseStatQuery(table, p, statNow)
		if err != nil {
			if code := candor.ErrorCode(err); code != candor.EINVALID && code != candor.ENOTFOUND {
				t.Fatalf("%v: code %s", err, code)
			}
			return
		}
		if q.Epsilon < candor.MinQueryEpsilon || q.Epsilon > candor.MaxQueryEpsilon {
			t.Fatalf("ε %d out of bounds", q.Epsilon)
		}
		if q.ByMonth() && (len(q.Months()) == 0 || len(q.Months()) > candor.MaxStatMonths || q.To.After(candor.MonthOf(statNow))) {
			t.Fatalf("months %s to %s", q.From, q.To)
		}
		if e, err := candor.ParseEpsilon(candor.FormatEpsilon(q.Epsilon)); err != nil || e != q.Epsilon {
			t.Fatalf("ε %d does not round-trip: %d, %v", q.Epsilon, e, err)
		}
	})
}

// TestPrivacySpendEncoding: a ledger entry round-trips, and a truncated
// one is refused.
func TestPrivacySpendEncoding(t *testing.T) {
	p := candor.PrivacySpend{Account: "analyst/abc", N: 3, Query: "arrears?kind=person", Epsilon: 100_000, Delta: 0, At: statNow}
	enc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back candor.PrivacySpend
	if err := back.UnmarshalBinary(enc); err != nil || back != p {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	for i := range len(enc) {
		if err := back.UnmarshalBinary(enc[:i]); err == nil {
			t.Errorf("%d of %d bytes read", i, len(enc))
		}
	}
	if _, err := (&candor.PrivacySpend{Account: "", Epsilon: 1}).MarshalBinary(); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("no account: %v", err)
	}
}
