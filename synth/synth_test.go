package synth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	candor "github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/synth"
)

var (
	until = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
)

// run is the output of one Generate: every line, by source.
type run struct {
	stats   synth.Stats
	lines   map[string][]string // source -> lines, without the newline
	batches []int               // events per batch
}

func generate(tb testing.TB, cfg synth.Config) *run {
	tb.Helper()
	r := &run{lines: map[string][]string{}}
	var mu sync.Mutex
	st, err := synth.Generate(context.Background(), cfg, catalogue.Default(), func(src string, b []byte, n int) error {
		if len(b) == 0 || b[len(b)-1] != '\n' {
			return fmt.Errorf("batch of %s does not end in a newline", src)
		}
		ls := strings.Split(string(b[:len(b)-1]), "\n")
		if len(ls) != n {
			return fmt.Errorf("batch of %s: %d lines, emit says %d", src, len(ls), n)
		}
		mu.Lock()
		r.lines[src] = append(r.lines[src], ls...)
		r.batches = append(r.batches, n)
		mu.Unlock()
		return nil
	})
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	r.stats = st
	return r
}

// small is the population most tests use: 2,000 persons, 200 organisations.
func small() synth.Config {
	return synth.Config{Seed: 42, Persons: 2000, Orgs: 200, Until: until, Now: now}
}

// wire is an event as decoded from its NDJSON line.
type wire struct {
	ID      string `json:"id"`
	Subject struct {
		Kind   string `json:"kind"`
		Scheme string `json:"scheme"`
		Value  string `json:"value"`
	} `json:"subject"`
	Type       string                     `json:"type"`
	OccurredAt string                     `json:"occurred_at"`
	Fields     map[string]json.RawMessage `json:"fields"`
}

func decode(tb testing.TB, line string) (wire, candor.EventInput) {
	tb.Helper()
	var w wire
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		tb.Fatalf("%v: %s", err, line)
	}
	in := candor.EventInput{
		ID:         w.ID,
		Subject:    candor.SubjectRef{Kind: w.Subject.Kind, Scheme: w.Subject.Scheme, Value: w.Subject.Value},
		Type:       w.Type,
		OccurredAt: w.OccurredAt,
	}
	for name, raw := range w.Fields {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			tb.Fatalf("field %s: %v: %s", name, err, line)
		}
		var rv candor.RawValue
		switch v := v.(type) {
		case string:
			rv = candor.RawValue{Kind: candor.RawString, Text: v}
		case json.Number:
			rv = candor.RawValue{Kind: candor.RawNumber, Text: v.String()}
		case bool:
			rv = candor.RawValue{Kind: candor.RawBool, Text: fmt.Sprint(v)}
		default:
			tb.Fatalf("field %s: unexpected JSON %T: %s", name, v, line)
		}
		in.Fields = append(in.Fields, candor.RawField{Name: name, Value: rv})
	}
	return w, in
}

func sources(tb testing.TB) map[string]candor.Source {
	m := map[string]candor.Source{}
	for _, s := range synth.Sources() {
		if _, dup := m[s.ID]; dup {
			tb.Fatalf("source %s listed twice", s.ID)
		}
		m[s.ID] = s
	}
	return m
}

func TestSources(t *testing.T) {
	cat := catalogue.Default()
	srcs := sources(t)
	wantKinds := map[string]candor.SourceKind{
		"tax_office": candor.SourceTaxAuthority, "bank_north": candor.SourceBank, "bank_south": candor.SourceBank,
		"bank_coop": candor.SourceBank, "city_utility": candor.SourceUtility, "rent_registry": candor.SourceLandlord,
		"district_court": candor.SourceCourt, "labour_inspectorate": candor.SourceInspectorate,
		"safety_inspectorate": candor.SourceInspectorate, "business_register": candor.SourceRegistry,
		"licensing_office": candor.SourceLicensingAuthority, "civil_registry": candor.SourceRegistry,
	}
	for id, kind := range wantKinds {
		s, ok := srcs[id]
		switch {
		case !ok:
			t.Errorf("no source %s", id)
		case s.Kind != kind:
			t.Errorf("source %s is a %s, want %s", id, s.Kind, kind)
		}
	}
	for _, s := range srcs {
		if err := s.Validate(cat); err != nil {
			t.Errorf("source %s: %v", s.ID, err)
		}
	}
	for _, typ := range cat.Types() {
		var posters []string
		for _, s := range srcs {
			if s.Allows(typ.Name) {
				posters = append(posters, s.ID)
			}
		}
		if len(posters) == 0 {
			t.Errorf("no source posts %s", typ.Name)
		}
		if typ.Category == candor.CategoryCourtOrder {
			for _, id := range posters {
				if srcs[id].Kind != candor.SourceCourt {
					t.Errorf("%s may post court-order type %s", id, typ.Name)
				}
			}
		}
	}
	if s := srcs["labour_inspectorate"]; !s.Allows("labour.wage_arrears_reported") || !s.Allows("inspection.failed") {
		t.Errorf("labour_inspectorate allows %v", s.AllowedTypes)
	}
}

// TestEvents checks every event of a small population, at two clocks:
// each decodes, validates against the catalogue at Now without a problem,
// comes from a source allowed to post it, has an ID unique in its source,
// and names the subject its ID says.
func TestEvents(t *testing.T) {
	cat := catalogue.Default()
	srcs := sources(t)
	for _, clock := range []time.Time{now, until.AddDate(2, 3, 10)} {
		t.Run(clock.Format(time.DateOnly), func(t *testing.T) {
			cfg := small()
			cfg.Now = clock
			r := generate(t, cfg)
			if r.stats.Events < 20_000 {
				t.Fatalf("only %d events", r.stats.Events)
			}
			total, types := 0, map[string]int{}
			var problems []candor.Problem
			for src, lines := range r.lines {
				s, ok := srcs[src]
				if !ok {
					t.Fatalf("emitted for unknown source %s", src)
				}
				ids := map[string]bool{}
				for _, line := range lines {
					w, in := decode(t, line)
					total++
					types[w.Type]++
					_, problems = cat.Validate(&in, total, clock, problems[:0])
					if len(problems) > 0 {
						t.Fatalf("%s: %v\n%s", src, problems, line)
					}
					if !s.Allows(w.Type) {
						t.Fatalf("%s may not post %s", src, w.Type)
					}
					if ids[w.ID] {
						t.Fatalf("%s: ID %s twice", src, w.ID)
					}
					ids[w.ID] = true
					if !strings.HasSuffix(w.OccurredAt, "T00:00:00Z") {
						t.Fatalf("occurred_at %q", w.OccurredAt)
					}
					if ts, _ := time.Parse(time.RFC3339, w.OccurredAt); !ts.Before(until) || ts.After(clock) {
						t.Fatalf("occurred_at %s is not before Until and not after Now", w.OccurredAt)
					}
					checkSubject(t, cfg.Seed, w, line)
				}
			}
			if total != r.stats.Events {
				t.Errorf("emitted %d lines, Stats.Events = %d", total, r.stats.Events)
			}
			for src, lines := range r.lines {
				if r.stats.BySource[src] != len(lines) {
					t.Errorf("%s: emitted %d lines, Stats.BySource says %d", src, len(lines), r.stats.BySource[src])
				}
			}
			if r.stats.Batches != len(r.batches) {
				t.Errorf("%d batches, Stats.Batches = %d", len(r.batches), r.stats.Batches)
			}
			for _, n := range r.batches {
				if n < 1 || n > synth.DefaultBatchSize {
					t.Errorf("batch of %d events", n)
				}
			}
			if clock.Equal(now) && len(types) < 34 {
				t.Errorf("only %d event types emitted: %v", len(types), types)
			}
		})
	}
}

// checkSubject checks that the subject of an event is the person or
// organisation whose index starts its ID (p0001234-... or XB-0001234-...).
func checkSubject(t *testing.T, seed uint64, w wire, line string) {
	t.Helper()
	var idx int
	var kind byte
	switch {
	case strings.HasPrefix(w.ID, "p"), strings.HasPrefix(w.ID, "o"):
		kind = w.ID[0]
		fmt.Sscanf(w.ID[1:8], "%d", &idx)
	case len(w.ID) > 10 && w.ID[2] == '-': // bank account
		kind = 'p'
		fmt.Sscanf(w.ID[3:10], "%d", &idx)
	default:
		t.Fatalf("unexpected ID %s", w.ID)
	}
	var id synth.Identity
	if kind == 'p' {
		id = synth.Person(seed, idx)
	} else {
		id = synth.Org(seed, idx)
	}
	want := map[string]string{"national_id": id.NationalID, "tax_number": id.TaxNumber, "company_reg_no": id.CompanyRegNo}[w.Subject.Scheme]
	if w.Subject.Value != want || w.Subject.Kind != id.Kind.String() {
		t.Fatalf("subject %+v, want %s %s of index %d\n%s", w.Subject, id.Kind, want, idx, line)
	}
}

func sorted(r *run) []string {
	var all []string
	for src, lines := range r.lines {
		for _, l := range lines {
			all = append(all, src+" "+l)
		}
	}
	slices.Sort(all)
	return all
}

// byID maps "source id" to the line.
func byID(tb testing.TB, r *run) map[string]string {
	m := map[string]string{}
	for src, lines := range r.lines {
		for _, l := range lines {
			i := strings.Index(l, `","subject"`)
			m[src+" "+l[7:i]] = l
		}
	}
	return m
}

func TestDeterminism(t *testing.T) {
	base := small()
	base.Persons, base.Orgs = 1000, 100
	a := generate(t, base)

	t.Run("again", func(t *testing.T) {
		cfg := base
		cfg.Workers = 1
		cfg.BatchSize = 333
		if !slices.Equal(sorted(a), sorted(generate(t, cfg))) {
			t.Error("a second run, with another worker count and batch size, gave other lines")
		}
	})
	// contains reports the lines of small missing from big, and those of
	// the same ID that differ.
	contains := func(t *testing.T, big, small *run, all bool) {
		t.Helper()
		bm := byID(t, big)
		missing, differ := 0, 0
		for id, l := range byID(t, small) {
			switch bl, ok := bm[id]; {
			case !ok:
				missing++
			case bl != l:
				differ++
				if differ < 3 {
					t.Errorf("%s differs:\n%s\n%s", id, l, bl)
				}
			}
		}
		if differ > 0 || all && missing > 0 {
			t.Errorf("%d lines missing, %d differ", missing, differ)
		}
	}
	t.Run("more persons", func(t *testing.T) {
		cfg := base
		cfg.Persons, cfg.Orgs = 2500, 230
		contains(t, generate(t, cfg), a, true)
	})
	t.Run("later until", func(t *testing.T) {
		// Same window start, six months more history, a later clock.
		early := base
		early.Until, early.Months, early.Now = until.AddDate(0, -6, 0), 30, now
		later := base
		later.Until, later.Months, later.Now = until, 36, now
		e, l := generate(t, early), generate(t, later)
		if l.stats.Events <= e.stats.Events {
			t.Errorf("later run has %d events, earlier %d", l.stats.Events, e.stats.Events)
		}
		contains(t, l, e, true)
	})
	t.Run("moved window", func(t *testing.T) {
		// The demo run again a year later: the window moves, the clock
		// moves; what both runs have must be the same.
		cfg := base
		cfg.Until, cfg.Now = until.AddDate(1, 0, 0), now.AddDate(1, 0, 0)
		contains(t, generate(t, cfg), a, false)
	})
	t.Run("other seed", func(t *testing.T) {
		cfg := base
		cfg.Seed++
		if synth.Person(cfg.Seed, 7) == synth.Person(base.Seed, 7) {
			t.Error("the seed does not change identities")
		}
	})
}

func TestIdentifiers(t *testing.T) {
	const n = 100_000
	seen := make(map[string]int, 3*n)
	add := func(id candor.Identifier, what string) {
		norm, err := candor.NormaliseIdentifier(id.Scheme, id.Value)
		if err != nil || norm != id {
			t.Fatalf("%s %s: normalises to %v, %v", what, id, norm, err)
		}
		key := id.String()
		if _, dup := seen[key]; dup {
			t.Fatalf("%s: %s already used", what, key)
		}
		seen[key] = 1
	}
	for i := range n {
		p := synth.Person(7, i)
		if p.Kind != candor.Person || p.Index != i || p.CompanyRegNo != "" {
			t.Fatalf("person %d: %+v", i, p)
		}
		for _, id := range p.Identifiers() {
			add(id, fmt.Sprintf("person %d", i))
		}
	}
	for i := range n / 10 {
		o := synth.Org(7, i)
		if o.Kind != candor.Organisation || o.NationalID != "" {
			t.Fatalf("org %d: %+v", i, o)
		}
		for _, id := range o.Identifiers() {
			add(id, fmt.Sprintf("org %d", i))
		}
	}
	if synth.Person(7, 123) != synth.Person(7, 123) {
		t.Error("Person is not deterministic")
	}
	last := synth.Person(7, synth.MaxPersons-1)
	if _, err := candor.NormaliseIdentifier(candor.NationalID, last.NationalID); err != nil {
		t.Errorf("last person: %v", err)
	}
}

// TestRates checks the population is plausible: late rent is a few percent
// of payments and clusters in the struggling, defaults are rare, and the
// profiles differ enough for scorecards to tell them apart.
func TestRates(t *testing.T) {
	cfg := small()
	cfg.Persons, cfg.Orgs = 10_000, 1_000
	r := generate(t, cfg)
	st := r.stats
	perPerson := float64(st.Events) / float64(cfg.Persons)
	t.Logf("%d events, %.1f per person; by type %v", st.Events, perPerson, st.ByType)
	if perPerson < 20 || perPerson > 40 {
		t.Errorf("%.1f events per person", perPerson)
	}
	share := func(bad, good string) float64 {
		return float64(st.ByType[bad]) / float64(st.ByType[bad]+st.ByType[good])
	}
	check := func(what string, v, lo, hi float64) {
		t.Helper()
		t.Logf("%s: %.4f", what, v)
		if v < lo || v > hi {
			t.Errorf("%s = %.4f, want %.4f..%.4f", what, v, lo, hi)
		}
	}
	check("late rent share", share("rent.late", "rent.paid"), 0.01, 0.10)
	check("overdue bill share", share("utility.bill_overdue", "utility.bill_paid"), 0.01, 0.10)
	check("late instalment share", share("credit.instalment_late", "credit.instalment_paid"), 0.002, 0.05)
	check("late tax return share", share("tax.return_late", "tax.return_filed"), 0.01, 0.15)
	check("failed inspection share", share("inspection.failed", "inspection.passed"), 0.05, 0.30)
	check("late accounts share", share("company.accounts_late", "company.accounts_filed"), 0.03, 0.25)

	// Per person: profile, late rent months, any default.
	type tally struct{ persons, late, rent, defaulted int }
	byProfile := map[synth.Profile]*tally{}
	profiles := make([]synth.Profile, cfg.Persons)
	for i := range profiles {
		profiles[i] = synth.Person(cfg.Seed, i).Profile
		if byProfile[profiles[i]] == nil {
			byProfile[profiles[i]] = &tally{}
		}
		byProfile[profiles[i]].persons++
	}
	borrowers := map[int]bool{}
	for src, lines := range r.lines {
		for _, l := range lines {
			id, typ := field(l, "id"), field(l, "type")
			var idx int
			switch {
			case strings.HasPrefix(src, "bank_"):
				fmt.Sscanf(id[3:10], "%d", &idx)
				borrowers[idx] = true
			case id[0] == 'p' && (src == "rent_registry"):
				fmt.Sscanf(id[1:8], "%d", &idx)
			default:
				continue
			}
			tl := byProfile[profiles[idx]]
			switch typ {
			case "rent.late":
				tl.late++
				tl.rent++
			case "rent.paid":
				tl.rent++
			case "credit.default":
				tl.defaulted++
			}
		}
	}
	for _, p := range []synth.Profile{synth.Reliable, synth.Occasional, synth.Struggling} {
		tl := byProfile[p]
		if tl == nil {
			t.Fatalf("no %s persons", p)
		}
		t.Logf("%-10s %5d persons, late rent %.3f, defaults %d", p, tl.persons, float64(tl.late)/float64(tl.rent), tl.defaulted)
		if s := float64(tl.persons) / float64(cfg.Persons); s < 0.04 {
			t.Errorf("only %.3f of persons are %s", s, p)
		}
	}
	rel, str := byProfile[synth.Reliable], byProfile[synth.Struggling]
	if float64(str.late)/float64(str.rent) < 10*float64(rel.late)/float64(rel.rent) {
		t.Error("struggling persons are not much later with rent than reliable ones")
	}
	check("defaults per borrower per year", float64(st.ByType["credit.default"])/float64(len(borrowers))/3, 0.002, 0.015)
	check("borrower share", float64(len(borrowers))/float64(cfg.Persons), 0.25, 0.50)
	check("judgments per person per year", float64(st.ByType["court.money_judgment_entered"])/float64(cfg.Persons)/3, 0.001, 0.006)
}

// field returns the value of the first string member called name in line.
func field(line, name string) string {
	key := `"` + name + `":"`
	i := strings.Index(line, key) + len(key)
	return line[i : i+strings.IndexByte(line[i:], '"')]
}

func TestConfigErrors(t *testing.T) {
	cat := catalogue.Default()
	emit := func(string, []byte, int) error { return nil }
	for name, cfg := range map[string]synth.Config{
		"no until":        {},
		"mid-month":       {Until: until.Add(time.Hour)},
		"negative":        {Until: until, Persons: -1},
		"too many":        {Until: until, Orgs: synth.MaxOrgs + 1},
		"too many months": {Until: until, Months: 601},
	} {
		if _, err := synth.Generate(context.Background(), cfg, cat, emit); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A catalogue without a type synth writes.
	var types []candor.EventType
	for _, typ := range cat.Types() {
		if typ.Name != "rent.late" {
			types = append(types, *typ)
		}
	}
	short, err := candor.NewCatalogue(types)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Generate(context.Background(), small(), short, emit); err == nil || !strings.Contains(err.Error(), "rent.late") {
		t.Errorf("catalogue without rent.late: %v", err)
	}
}

func TestEmitError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	var mu sync.Mutex
	_, err := synth.Generate(context.Background(), small(), catalogue.Default(), func(string, []byte, int) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls >= 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("Generate returned %v, want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := synth.Generate(ctx, small(), catalogue.Default(), func(string, []byte, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkGenerate measures generation alone (emit does nothing), on one
// worker and on all, and as a baseline in the same run the cost of encoding
// the same events with encoding/json, which the hand-rolled writer replaces.
func BenchmarkGenerate(b *testing.B) {
	cat := catalogue.Default()
	cfg := synth.Config{Seed: 1, Persons: 20_000, Orgs: 2_000, Until: until, Now: now}
	// The baseline: encoding/json of a sample of the events.
	var sample []wire
	var mu sync.Mutex
	cfg1 := cfg
	cfg1.Persons, cfg1.Orgs = 500, 50
	synth.Generate(context.Background(), cfg1, cat, func(_ string, nd []byte, _ int) error {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range strings.Split(strings.TrimSuffix(string(nd), "\n"), "\n") {
			var w wire
			json.Unmarshal([]byte(l), &w)
			sample = append(sample, w)
		}
		return nil
	})
	start := time.Now()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for range 4 {
		for i := range sample {
			enc.Encode(&sample[i])
		}
		buf.Reset()
	}
	jsonRate := float64(4*len(sample)) / time.Since(start).Seconds()

	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			cfg := cfg
			cfg.Workers = workers
			events := 0
			for b.Loop() {
				st, err := synth.Generate(context.Background(), cfg, cat, func(string, []byte, int) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				events += st.Events
			}
			rate := float64(events) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(jsonRate, "json-baseline-events/s")
			b.ReportMetric(rate/jsonRate, "x-json")
		})
	}
}

// Default12 is deterministic by seed and person, depends on the month it
// starts from, and follows the latent profile: the struggling default far
// more often than the reliable.
func TestDefault12(t *testing.T) {
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var n, bad [4]int
	moved := 0
	for i := range 20_000 {
		d := synth.Default12(7, i, from)
		if d != synth.Default12(7, i, from.AddDate(0, 0, 20)) {
			t.Fatalf("person %d: another day of the same month, another outcome", i)
		}
		if d != synth.Default12(7, i, from.AddDate(1, 0, 0)) {
			moved++
		}
		p := synth.Person(7, i).Profile
		n[p]++
		if d {
			bad[p]++
		}
	}
	rate := func(p synth.Profile) float64 { return float64(bad[p]) / float64(n[p]) }
	r, o, s := rate(synth.Reliable), rate(synth.Occasional), rate(synth.Struggling)
	t.Logf("default rates: reliable %.3f, occasional %.3f, struggling %.3f", r, o, s)
	if !(r < 0.05 && o > 2*r && s > 2*o && s < 0.6) {
		t.Errorf("default rates by profile: %.3f %.3f %.3f; want rising steeply, reliable below 5 %%", r, o, s)
	}
	if moved == 0 {
		t.Error("the outcome does not depend on the year it starts from")
	}
	other := 0
	for i := range 2000 {
		if synth.Default12(7, i, from) != synth.Default12(8, i, from) {
			other++
		}
	}
	if other == 0 {
		t.Error("another seed, the same outcomes")
	}
}
