package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Store is what the service reads and keeps its ledger and releases in.
type Store interface {
	candor.EventStore
	candor.Meta
	Sources(ctx context.Context) ([]*candor.Source, error)
	AllRecords(ctx context.Context, kind candor.RecordKind) iter.Seq2[*candor.Record, error]
	RecordsVersion(kind candor.RecordKind, id candor.SubjectID) uint64
}

// Default budgets, ε in millionths.
const (
	DefaultAnalystEpsilon = 10 * candor.MicroEpsilon // an analyst key's, over its life
	DefaultReleaseEpsilon = 1 * candor.MicroEpsilon  // one monthly release's, all its tables together
	DefaultConsoleEpsilon = 50 * candor.MicroEpsilon // the console's, over the installation's life: 50 censuses or migrations
	// DefaultDelta is every account's δ (10⁻¹⁵): the discrete Laplace
	// mechanism is pure ε-differential privacy and spends none.
	DefaultDelta = 1_000_000_000 // 10⁻⁶
)

// Options configure a Service.
type Options struct {
	Store     Store
	Vault     *vault.Vault
	Catalogue *candor.Catalogue
	// Scorecards returns the active scorecard versions, whose grades the
	// grades table counts (from the matches stored with the events).
	Scorecards func() []Card
	Workers    int       // goroutines per pass (0: 1)
	Rand       io.Reader // the noise's randomness; nil is crypto/rand
	Now        func() time.Time
	// Groups, if set, gives linked profiles' members, so that a person
	// known by linked identifiers is counted once.
	Groups Groups
	// Budgets, ε in millionths (0: the defaults above).
	AnalystEpsilon, ReleaseEpsilon, ConsoleEpsilon int64
}

// Service answers the closed list of aggregate queries with noise
// (candor.Statistics). Safe for concurrent use.
type Service struct {
	store   Store
	vault   *vault.Vault
	cat     *candor.Catalogue
	cards   func() []Card
	workers int
	groups  Groups
	now     func() time.Time
	ledger  *Ledger
	limits  map[string]int64 // account prefix → ε

	noiseMu sync.Mutex
	sampler *Sampler
	publish sync.Mutex
}

var _ candor.Statistics = (*Service)(nil)

// New returns the service for o.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Scorecards == nil {
		o.Scorecards = func() []Card { return nil }
	}
	def := func(v, d int64) int64 {
		if v <= 0 {
			return d
		}
		return v
	}
	return &Service{store: o.Store, vault: o.Vault, cat: o.Catalogue, cards: o.Scorecards, workers: max(o.Workers, 1), groups: o.Groups,
		now: o.Now, ledger: NewLedger(o.Store, o.Now), sampler: NewSampler(o.Rand),
		limits: map[string]int64{"analyst": def(o.AnalystEpsilon, DefaultAnalystEpsilon),
			"release": def(o.ReleaseEpsilon, DefaultReleaseEpsilon), "console": def(o.ConsoleEpsilon, DefaultConsoleEpsilon)}}
}

// Account names: an analyst key's, a release's, the console's.
func analystAccount(key *candor.APIKey) string { return "analyst/" + key.ID }
func releaseAccount(m candor.Month) string     { return "release/" + m.Format("2006-01") }

const consoleAccount = "console"

func (s *Service) limit(kind string) candor.PrivacyBudget {
	return candor.PrivacyBudget{Epsilon: s.limits[kind], Delta: DefaultDelta}
}

// Budget returns an analyst key's budget.
func (s *Service) Budget(ctx context.Context, key *candor.APIKey) (candor.PrivacyBudget, error) {
	return s.ledger.Spent(ctx, analystAccount(key), s.limit("analyst"))
}

// ConsoleBudget returns the console's budget.
func (s *Service) ConsoleBudget(ctx context.Context) (candor.PrivacyBudget, error) {
	return s.ledger.Spent(ctx, consoleAccount, s.limit("console"))
}

// Query answers q for the analyst whose key is key, spending q.Epsilon
// from the key's budget before it counts (a pass that fails afterwards
// does not give it back). Errors: EFORBIDDEN for a key that is not an
// analyst's or a budget that cannot pay; EINVALID for a scorecard that
// is not active.
func (s *Service) Query(ctx context.Context, key *candor.APIKey, q candor.StatQuery) (*candor.StatResult, error) {
	if key == nil || key.Role != candor.RoleAnalyst {
		return nil, candor.Errorf(candor.EFORBIDDEN, "statistics are for analysts' keys")
	}
	sources, err := s.sources(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.planFor(q, sources)
	if err != nil {
		return nil, err
	}
	if _, err := s.ledger.Spend(ctx, analystAccount(key), p.q.String(), p.q.Epsilon, 0, s.limit("analyst")); err != nil {
		return nil, err
	}
	counts, err := s.count(ctx, []*plan{p}, s.now())
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	return s.release(p, counts[0])
}

// planFor checks q against what is served and lays out its cells.
func (s *Service) planFor(q candor.StatQuery, sources map[string]candor.SourceKind) (*plan, error) {
	if !slices.Contains(candor.StatTables, q.Table) || q.Epsilon < candor.MinQueryEpsilon || q.Epsilon > candor.MaxQueryEpsilon {
		return nil, candor.Errorf(candor.EINVALID, "statistics: query %s is not one of the list", q)
	}
	if q.Table != candor.StatGrades {
		if q.Kind != candor.Person && q.Kind != candor.Organisation {
			return nil, candor.Errorf(candor.EINVALID, "statistics: no subject kind")
		}
		return s.newPlan(q, nil, sources), nil
	}
	for _, c := range s.cards() {
		if c.Scorecard().ID == q.Scorecard {
			q.Kind = c.Scorecard().SubjectKind
			return s.newPlan(q, c, nil), nil
		}
	}
	return nil, candor.Errorf(candor.EINVALID, "statistics: no active scorecard %q", q.Scorecard)
}

// sources maps every source's ID to its kind.
func (s *Service) sources(ctx context.Context) (map[string]candor.SourceKind, error) {
	srcs, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]candor.SourceKind, len(srcs))
	for _, src := range srcs {
		out[src.ID] = src.Kind
	}
	return out, nil
}

// release adds noise to exact counts and lays out the result.
func (s *Service) release(p *plan, exact []int64) (*candor.StatResult, error) {
	noisy, err := s.noise(exact, p.bound, p.q.Epsilon)
	if err != nil {
		return nil, err
	}
	scale := float64(p.bound) * candor.MicroEpsilon / float64(p.q.Epsilon)
	r := &candor.StatResult{Query: p.q.String(), Table: p.q.Table, Columns: p.columns, Mechanism: "discrete_laplace",
		Epsilon: float64(p.q.Epsilon) / candor.MicroEpsilon, Bound: p.bound, Scale: scale, Margin: Margin95(scale), At: s.now().UTC()}
	var gradeTotal int64
	for _, n := range noisy {
		gradeTotal += n
	}
	for i, labels := range p.cells {
		c := candor.StatCell{Labels: labels, Count: noisy[i]}
		den := gradeTotal
		if p.q.ByMonth() {
			den = noisy[p.index[cellKey(labels[0], All)]]
		}
		if den > 0 && (!p.q.ByMonth() || labels[1] != All) {
			rate := min(float64(c.Count)/float64(den), 1)
			c.Rate = &rate
		}
		r.Cells = append(r.Cells, c)
	}
	return r, nil
}

// noise returns exact with discrete Laplace noise of scale bound/ε added
// to each count (ε in millionths), clamped at 0.
func (s *Service) noise(exact []int64, bound int, epsilon int64) ([]int64, error) {
	t, sc := uint64(bound)*candor.MicroEpsilon, uint64(epsilon)
	g := gcd(t, sc)
	t, sc = t/g, sc/g
	s.noiseMu.Lock()
	defer s.noiseMu.Unlock()
	out := make([]int64, len(exact))
	for i, n := range exact {
		z, err := s.sampler.Laplace(t, sc)
		if err != nil {
			return nil, fmt.Errorf("statistics: noise: %w", err)
		}
		out[i] = max(n+z, 0)
	}
	return out, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Margin95 returns the smallest k with P(|X| ≥ k) ≤ 5 % for X discrete
// Laplace of scale b: P(|X| ≥ k) = 2q^k/(1+q), q = e^{-1/b}.
func Margin95(b float64) int64 {
	q := math.Exp(-1 / b)
	return int64(math.Ceil(math.Log(0.05*(1+q)/2) / math.Log(q)))
}

// releaseKey and releasesKey are where releases are kept in the meta
// table: each, and the list of the months published.
func releaseKey(m candor.Month) string { return "stats/release/" + m.Format("2006-01") }

const releasesKey = "stats/releases"

// ReleaseQueries returns the queries of month's release: the grades under
// every active scorecard at the month's end, then persons' tables by
// month for that month, sharing total ε equally.
func (s *Service) ReleaseQueries(month candor.Month, total int64) []candor.StatQuery {
	var qs []candor.StatQuery
	for _, c := range s.cards() {
		qs = append(qs, candor.StatQuery{Table: candor.StatGrades, Kind: c.Scorecard().SubjectKind, Scorecard: c.Scorecard().ID})
	}
	for _, t := range candor.StatTables[1:] {
		qs = append(qs, candor.StatQuery{Table: t, Kind: candor.Person, From: month, To: month})
	}
	for i := range qs {
		qs[i].Epsilon = total / int64(len(qs))
	}
	return qs
}

// Publish computes month's release in one pass over the population and
// keeps it, paid from the release's own budget, one ledger entry per
// table. Errors: EINVALID for a month not yet over; ECONFLICT if it is
// published already (its budget is spent).
func (s *Service) Publish(ctx context.Context, month candor.Month) (*candor.StatRelease, error) {
	s.publish.Lock()
	defer s.publish.Unlock()
	month = candor.MonthOf(month)
	now := s.now()
	if !candor.MonthOf(now).After(month) {
		return nil, candor.Errorf(candor.EINVALID, "release %s: the month is not over", month.Format("2006-01"))
	}
	if _, err := s.Release(ctx, month); err == nil {
		return nil, candor.Errorf(candor.ECONFLICT, "release %s: published already; a release is published once", month.Format("2006-01"))
	}
	qs := s.ReleaseQueries(month, s.limits["release"])
	sources, err := s.sources(ctx)
	if err != nil {
		return nil, err
	}
	plans := make([]*plan, 0, len(qs))
	for _, q := range qs {
		p, err := s.planFor(q, sources)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	for _, p := range plans {
		if _, err := s.ledger.Spend(ctx, releaseAccount(month), p.q.String(), p.q.Epsilon, 0, s.limit("release")); err != nil {
			if candor.ErrorCode(err) == candor.EFORBIDDEN {
				return nil, candor.Errorf(candor.ECONFLICT, "release %s: %s", month.Format("2006-01"), err.(*candor.Error).Message)
			}
			return nil, err
		}
	}
	end := month.AddDate(0, 1, 0).Add(-time.Nanosecond)
	counts, err := s.count(ctx, plans, end)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", month.Format("2006-01"), err)
	}
	rel := &candor.StatRelease{Month: month, Published: now.UTC(), Epsilon: float64(s.limits["release"]) / candor.MicroEpsilon}
	for i, p := range plans {
		r, err := s.release(p, counts[i])
		if err != nil {
			return nil, err
		}
		rel.Tables = append(rel.Tables, r)
	}
	return rel, s.keep(ctx, rel)
}

// PublishDue publishes the release of the month before now's unless it
// is published already: what a node's schedule calls. It returns 1 if it
// published the release, 0 if it was there (published by another node,
// say).
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	last := candor.MonthOf(s.now()).AddDate(0, -1, 0)
	published := func() (bool, error) {
		_, err := s.Release(ctx, last)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			return false, nil
		}
		return err == nil, err
	}
	if done, err := published(); done || err != nil {
		return 0, err
	}
	if _, err := s.Publish(ctx, last); err != nil {
		if done, _ := published(); done { // published meanwhile
			return 0, nil
		}
		return 0, err
	}
	return 1, nil
}

// keep stores a release and adds it to the list.
func (s *Service) keep(ctx context.Context, rel *candor.StatRelease) error {
	data, err := json.Marshal(rel)
	if err != nil {
		return err
	}
	if err := s.store.PutMeta(ctx, releaseKey(rel.Month), data); err != nil {
		return err
	}
	months, err := s.months(ctx)
	if err != nil {
		return err
	}
	months = append(months, rel.Month.Format("2006-01"))
	slices.Sort(months)
	list, _ := json.Marshal(slices.Compact(months))
	return s.store.PutMeta(ctx, releasesKey, list)
}

func (s *Service) months(ctx context.Context) ([]string, error) {
	data, err := s.store.GetMeta(ctx, releasesKey)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var months []string
	if err := json.Unmarshal(data, &months); err != nil {
		return nil, fmt.Errorf("statistics: %s: %w", releasesKey, err)
	}
	return months, nil
}

// Release returns month's release. Errors: ENOTFOUND.
func (s *Service) Release(ctx context.Context, month candor.Month) (*candor.StatRelease, error) {
	month = candor.MonthOf(month)
	data, err := s.store.GetMeta(ctx, releaseKey(month))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, candor.Errorf(candor.ENOTFOUND, "no release for %s", month.Format("2006-01"))
	}
	if err != nil {
		return nil, err
	}
	rel := new(candor.StatRelease)
	if err := json.Unmarshal(data, rel); err != nil {
		return nil, fmt.Errorf("statistics: %s: %w", releaseKey(month), err)
	}
	return rel, nil
}

// Releases returns every release, newest first.
func (s *Service) Releases(ctx context.Context) ([]*candor.StatRelease, error) {
	months, err := s.months(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*candor.StatRelease, 0, len(months))
	for _, m := range slices.Backward(months) {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return nil, fmt.Errorf("statistics: %s lists %q", releasesKey, m)
		}
		rel, err := s.Release(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}
