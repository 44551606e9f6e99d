package candor

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Statistics leave Candor only with differential privacy (stats.Service
// is the one way): an aggregate query from a closed list is answered with
// noise calibrated to a privacy loss ε, each subject's contribution is
// bounded, and every answer spends ε from a budget ledger kept in the
// store and in the transparency log, per analyst key and per published
// release. A query the budget cannot pay for is refused.

// StatTable names one aggregate of the closed list.
type StatTable string

const (
	StatGrades     StatTable = "grades"      // subjects by grade under one active scorecard
	StatCategories StatTable = "categories"  // subjects with a fact of each category, by month
	StatSources    StatTable = "sources"     // subjects with a fact from each kind of source, by month
	StatEventTypes StatTable = "event-types" // subjects with a fact of each event type, by month
	StatArrears    StatTable = "arrears"     // subjects with an arrears fact, by month, and their rate
	StatDisputes   StatTable = "disputes"    // subjects with a fact under dispute, by month, and their rate
)

// StatTables is the closed list, in the order documents show it.
var StatTables = []StatTable{StatGrades, StatCategories, StatSources, StatEventTypes, StatArrears, StatDisputes}

// Bounds of a query.
const (
	MaxStatMonths = 36 // months a query by month may span
	// MicroEpsilon is how ε is counted: in millionths, exactly.
	MicroEpsilon = 1_000_000
	// MaxQueryEpsilon is the largest ε one query may spend, in millionths.
	MaxQueryEpsilon = MicroEpsilon
	// DefaultQueryEpsilon is the ε of a query that names none.
	DefaultQueryEpsilon = MicroEpsilon / 10
	// MinQueryEpsilon is the smallest: below it the noise swamps any count.
	MinQueryEpsilon = MicroEpsilon / 100
)

// Month is the first instant of a calendar month, UTC.
type Month = time.Time

// MonthOf returns the month t falls in.
func MonthOf(t time.Time) Month {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// StatQuery is one aggregate query. The months are for every table but
// grades; the scorecard is for grades only.
type StatQuery struct {
	Table     StatTable
	Kind      SubjectKind
	Scorecard string
	From, To  Month // inclusive
	// Epsilon is the privacy loss the answer spends, in millionths.
	Epsilon int64
}

// ByMonth reports whether the table is counted by month.
func (q StatQuery) ByMonth() bool { return q.Table != StatGrades }

// Months returns the months of the query, in order.
func (q StatQuery) Months() []Month {
	var out []Month
	for m := q.From; !m.After(q.To); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// String is the query's canonical form, as the ledger records it.
func (q StatQuery) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s?kind=%s", q.Table, q.Kind)
	if q.Table == StatGrades {
		fmt.Fprintf(&b, "&scorecard=%s", q.Scorecard)
	} else {
		fmt.Fprintf(&b, "&from=%s&to=%s", q.From.Format("2006-01"), q.To.Format("2006-01"))
	}
	fmt.Fprintf(&b, "&epsilon=%s", FormatEpsilon(q.Epsilon))
	return b.String()
}

// FormatEpsilon writes ε counted in millionths as a decimal.
func FormatEpsilon(micro int64) string {
	s := strconv.FormatFloat(float64(micro)/MicroEpsilon, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// ParseEpsilon reads a decimal ε with at most six places into millionths.
// Errors: EINVALID naming the problem.
func ParseEpsilon(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 6 || len(frac) > 6 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, Errorf(EINVALID, "epsilon %q: a decimal number with at most six places, like 0.25", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return w*MicroEpsilon + f, nil
}

// ParseStatQuery reads the query for table from URL parameters: kind
// (person or organisation; person if absent), scorecard (grades only,
// required), from and to (YYYY-MM, months by month only; the twelve
// months before now's if absent; at most MaxStatMonths, none after now's),
// epsilon (a decimal from 0.01 to 1; 0.1 if absent). Each parameter may
// be given once. Errors: EINVALID naming every problem; ENOTFOUND for a
// table not on the list.
func ParseStatQuery(table string, params url.Values, now time.Time) (StatQuery, error) {
	q := StatQuery{Table: StatTable(table), Kind: Person, Epsilon: DefaultQueryEpsilon}
	if !slices.Contains(StatTables, q.Table) {
		return q, Errorf(ENOTFOUND, "no statistics table %q; the tables are %s", table, joinTables())
	}
	allowed := []string{"kind", "epsilon", "from", "to"}
	if q.Table == StatGrades {
		allowed = []string{"kind", "epsilon", "scorecard"}
	}
	var ps []string
	bad := func(f string, a ...any) { ps = append(ps, fmt.Sprintf(f, a...)) }
	one := func(name string) (string, bool) {
		vs, ok := params[name]
		if ok && len(vs) != 1 {
			bad("%s: given %d times, once at most", name, len(vs))
			return "", false
		}
		return strings.Join(vs, ""), ok
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			bad("%q: not a parameter of %s (it takes %s)", name, table, strings.Join(allowed, ", "))
		}
	}
	if s, ok := one("kind"); ok {
		if k, ok := ParseSubjectKind(s); ok {
			q.Kind = k
		} else {
			bad("kind %q: person or organisation", s)
		}
	}
	if s, ok := one("epsilon"); ok {
		e, err := ParseEpsilon(s)
		switch {
		case err != nil:
			bad("%s", err.(*Error).Message)
		case e < MinQueryEpsilon || e > MaxQueryEpsilon:
			bad("epsilon %s: from %s to %s", s, FormatEpsilon(MinQueryEpsilon), FormatEpsilon(MaxQueryEpsilon))
		default:
			q.Epsilon = e
		}
	}
	if q.Table == StatGrades {
		if s, ok := one("scorecard"); !ok || s == "" {
			bad("scorecard: name the scorecard whose grades to count")
		} else if len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			bad("scorecard %q: not a scorecard ID", s)
		} else {
			q.Scorecard = s
		}
	} else {
		parseMonths(&q, one, bad, now)
	}
	if len(ps) > 0 {
		return q, Errorf(EINVALID, "statistics %s: %s", table, strings.Join(ps, "; "))
	}
	return q, nil
}

func parseMonths(q *StatQuery, one func(string) (string, bool), bad func(string, ...any), now time.Time) {
	this := MonthOf(now)
	q.From, q.To = this.AddDate(0, -12, 0), this.AddDate(0, -1, 0)
	ok := true
	for _, p := range []struct {
		name string
		to   *Month
	}{{"from", &q.From}, {"to", &q.To}} {
		s, given := one(p.name)
		if !given {
			continue
		}
		m, err := time.Parse("2006-01", s)
		if err != nil || m.Year() < 1900 {
			bad("%s %q: a month, YYYY-MM", p.name, s)
			ok = false
			continue
		}
		*p.to = m
	}
	switch {
	case !ok:
	case q.To.After(this):
		bad("to %s: after this month", q.To.Format("2006-01"))
	case q.From.After(q.To):
		bad("from %s is after to %s", q.From.Format("2006-01"), q.To.Format("2006-01"))
	case len(q.Months()) > MaxStatMonths:
		bad("from %s to %s: more than %d months", q.From.Format("2006-01"), q.To.Format("2006-01"), MaxStatMonths)
	}
}

func joinTables() string {
	s := make([]string, len(StatTables))
	for i, t := range StatTables {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// StatCell is one noisy count. Labels name it, one per column of its
// table; Rate, for tables with rates, is Count over the noisy count of
// its denominator (the grade total, or the subjects with any fact that
// month), in [0, 1].
type StatCell struct {
	Labels []string `json:"labels"`
	Count  int64    `json:"count"`
	Rate   *float64 `json:"rate,omitempty"`
}

// StatResult is a noisy answer. Every count is an exact count of subjects
// (each contributing at most Bound cells) plus discrete Laplace noise of
// scale Bound/ε, then clamped at 0; Margin is the half-width within which
// the noise of one cell falls 95 % of the time.
type StatResult struct {
	Query     string     `json:"query"`
	Table     StatTable  `json:"table"`
	Columns   []string   `json:"columns"`
	Cells     []StatCell `json:"cells"`
	Mechanism string     `json:"mechanism"`
	Epsilon   float64    `json:"epsilon"`
	Delta     float64    `json:"delta"`
	Bound     int        `json:"contribution_bound"`
	Scale     float64    `json:"noise_scale"`
	Margin    int64      `json:"margin95"`
	At        time.Time  `json:"at"`
}

// PrivacyBudget is an account's budget: the limit, what is spent and
// what is left, ε in millionths and δ in 10⁻¹⁵.
type PrivacyBudget struct {
	Account               string
	Epsilon, SpentEpsilon int64
	Delta, SpentDelta     int64
	Spends                int
}

// LeftEpsilon returns the ε left, in millionths.
func (b PrivacyBudget) LeftEpsilon() int64 { return max(b.Epsilon-b.SpentEpsilon, 0) }

// LeftDelta returns the δ left, in 10⁻¹⁵.
func (b PrivacyBudget) LeftDelta() int64 { return max(b.Delta-b.SpentDelta, 0) }

// StatRelease is a monthly release of open data: tables for one month,
// published once, paid from the release's own budget.
type StatRelease struct {
	Month     Month         `json:"month"`
	Published time.Time     `json:"published"`
	Epsilon   float64       `json:"epsilon"`
	Tables    []*StatResult `json:"tables"`
}

// Statistics answers aggregate queries with differential privacy
// (stats.Service is one).
type Statistics interface {
	// Query answers q for the analyst whose key is key, after spending
	// q.Epsilon from the key's budget. Errors: EINVALID for a query that
	// is not answerable (an unknown scorecard); EFORBIDDEN when the
	// budget cannot pay for it, saying what is left.
	Query(ctx context.Context, key *APIKey, q StatQuery) (*StatResult, error)
	// Budget returns the key's budget.
	Budget(ctx context.Context, key *APIKey) (PrivacyBudget, error)
	// Publish computes and stores the release of month, paid from its
	// own budget. Errors: ECONFLICT if it is published already;
	// EINVALID for a month not yet over.
	Publish(ctx context.Context, month Month) (*StatRelease, error)
	// Releases returns the published releases, newest first.
	Releases(ctx context.Context) ([]*StatRelease, error)
	// Release returns one. Errors: ENOTFOUND.
	Release(ctx context.Context, month Month) (*StatRelease, error)
}

// PrivacySpend is one entry of the privacy-budget ledger: account spent
// ε (millionths) and δ (10⁻¹⁵) on query at At. Entries are public (an
// account is an API key's ID, a release's month, or the console) and
// are written with a write commitment to the transparency log.
type PrivacySpend struct {
	Account string
	N       uint64 // numbers the account's spends, from 1
	Query   string
	Epsilon int64
	Delta   int64
	At      time.Time
}

// MaxPrivacyAccount is the longest account name.
const MaxPrivacyAccount = 80

// PrivacySpendID is the record ID of an account's spend n, so that the
// records of one account are in spend order.
func PrivacySpendID(account string, n uint64) string { return fmt.Sprintf("%s/%020d", account, n) }

// MarshalBinary is the canonical encoding of a spend, which its record
// holds and its write commitment is made of:
//
//	5 (privacy spend) | 1 (version) | uvarint len | account | N(8) |
//	uvarint len | query | epsilon(8) | delta(8) | at Unix ns(8)
func (p *PrivacySpend) MarshalBinary() ([]byte, error) {
	if p.Account == "" || len(p.Account) > MaxPrivacyAccount || p.Epsilon < 0 || p.Delta < 0 {
		return nil, Errorf(EINVALID, "privacy spend: an account of 1 to %d bytes and a loss that is not negative", MaxPrivacyAccount)
	}
	dst := []byte{auditRecordPrivacySpend, auditRecordV1}
	dst = binary.AppendUvarint(dst, uint64(len(p.Account)))
	dst = append(dst, p.Account...)
	dst = binary.BigEndian.AppendUint64(dst, p.N)
	dst = binary.AppendUvarint(dst, uint64(len(p.Query)))
	dst = append(dst, p.Query...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Epsilon))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Delta))
	return binary.BigEndian.AppendUint64(dst, uint64(p.At.UnixNano())), nil
}

// UnmarshalBinary reads MarshalBinary's encoding. Errors: EINVALID.
func (p *PrivacySpend) UnmarshalBinary(data []byte) error {
	bad := Errorf(EINVALID, "privacy spend: malformed record")
	if len(data) < 2 || data[0] != auditRecordPrivacySpend || data[1] != auditRecordV1 {
		return bad
	}
	rest := data[2:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return "", false
		}
		s := string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
		return s, true
	}
	acc, ok := str()
	if !ok || len(rest) < 8 {
		return bad
	}
	p.Account, p.N, rest = acc, binary.BigEndian.Uint64(rest), rest[8:]
	q, ok := str()
	if !ok || len(rest) != 24 {
		return bad
	}
	p.Query = q
	p.Epsilon = int64(binary.BigEndian.Uint64(rest))
	p.Delta = int64(binary.BigEndian.Uint64(rest[8:]))
	p.At = time.Unix(0, int64(binary.BigEndian.Uint64(rest[16:]))).UTC()
	if p.Epsilon < 0 || p.Delta < 0 {
		return bad
	}
	return nil
}

// PrivacySpendCommitment is the write commitment of a spend whose
// canonical encoding is encoded, unsalted as the ledger is public.
func PrivacySpendCommitment(encoded []byte) Commitment {
	return NewCommitment(AuditWrite, &noSalt, encoded)
}

// Column names what a table counts by, besides the month.
func (t StatTable) Column() string {
	switch t {
	case StatGrades:
		return "grade"
	case StatCategories:
		return "category"
	case StatSources:
		return "source_kind"
	case StatEventTypes:
		return "event_type"
	case StatArrears:
		return "arrears"
	case StatDisputes:
		return "disputes"
	}
	return string(t)
}
