package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/scoring/fit"
)

const featuresUsage = `Usage: candor features --scorecard FILE.yaml --subjects FILE --at DATE [flags]

Computes, for each subject listed in --subjects (one identifier a line,
scheme:value, e.g. national_id:AB1234567), the value of each
characteristic of --scorecard at --at, as the scoring engine computes
it, and writes CSV: a column subject (a row number, never the identifier
or subject ID) and one per characteristic. For a rule scorecard, a
column per rule holds its points: the sample candor policy audit scores
a rule version with. --mapping-out (characteristics only) writes the
mapping with which candor fit reads it back (append an outcome column,
1 bad, 0 good). Every subject
read is recorded in the access log with purpose model_development.
Identifiers that match no subject are counted on stderr, never written.

Flags:
`

// maxSubjectsLine bounds a line of the subjects file.
const maxSubjectsLine = 256

func runFeatures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, featuresUsage); fs.PrintDefaults() }
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.TLogSettings)
	cardFile := fs.String("scorecard", "", "a scorecard (YAML) whose characteristics' values, or rules' points, to compute")
	subjectsFile := fs.String("subjects", "", "file of identifiers, one scheme:value a line")
	atFlag := fs.String("at", "", "the instant: a date or an RFC 3339 timestamp")
	out := fs.String("out", "features.csv", "the CSV to write")
	mappingOut := fs.String("mapping-out", "", "also write the mapping candor fit --mapping reads the CSV with")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *cardFile == "" || *subjectsFile == "" || *atFlag == "" {
		fs.Usage()
		return flag.ErrHelp
	}
	at, err := parseAt(*atFlag)
	if err != nil {
		return err
	}
	f, err := os.Open(*subjectsFile)
	if err != nil {
		return err
	}
	idents, err := parseSubjects(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *subjectsFile, err)
	}
	lg := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, lg)
	if err != nil {
		return err
	}
	defer inst.Close()
	data, err := os.ReadFile(*cardFile)
	if err != nil {
		return err
	}
	card, err := scoring.Load(filepath.Base(*cardFile), data, inst.Catalogue)
	if err != nil {
		return err
	}
	sc := card.Scorecard()
	if len(sc.Characteristics) == 0 && *mappingOut != "" {
		return fmt.Errorf("%s: scorecard %s has rules, not characteristics: its rules' points can be audited, not fitted (leave out --mapping-out)", *cardFile, sc.ID)
	}
	var mapping []byte
	if *mappingOut != "" {
		if mapping, err = featuresMapping(sc); err != nil {
			return err
		}
	}

	subs, unknown, err := resolveSubjects(ctx, inst, idents, sc)
	if err != nil {
		return fmt.Errorf("%s: %w", *subjectsFile, err)
	}
	aud, err := app.OpenAudit(inst, cfg.TLog, lg) // a server sharing the store may hold the lease: it logs these reads then
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"subject"}
	for _, ch := range sc.Characteristics {
		header = append(header, ch.ID)
	}
	for _, r := range sc.Rules {
		header = append(header, r.ID)
	}
	w.Write(header)
	all, err := featuresOfAll(ctx, inst, aud.Access(), card, subs, at)
	if err != nil {
		aud.Close()
		return err
	}
	for i, vals := range all {
		w.Write(featuresRow(i+1, vals))
	}
	w.Flush()
	if err := errors.Join(w.Error(), aud.Close()); err != nil {
		return err
	}
	files := map[string][]byte{*out: buf.Bytes()}
	if mapping != nil {
		files[*mappingOut] = mapping
	}
	if err := writeAll(files); err != nil {
		return err
	}
	what := fmt.Sprintf("%d characteristics", len(sc.Characteristics))
	if len(sc.Characteristics) == 0 {
		what = fmt.Sprintf("the points of %d rules", len(sc.Rules))
	}
	fmt.Fprintf(stdout, "wrote %d rows of %s of %s v%d at %s to %s\n", len(subs), what, sc.ID, sc.Version, at.Format(time.RFC3339), *out)
	if unknown > 0 {
		fmt.Fprintf(stderr, "%d identifiers matched no subject and were left out\n", unknown)
	}
	return nil
}

// listed is a subject resolved from the subjects file.
type listed struct {
	id  candor.SubjectID
	rec *candor.SubjectRecord
}

// resolveSubjects resolves every identifier, reading no facts: unknown
// counts those that match no subject. The list is checked whole before
// any subject is read: an error names every identifier of a subject of
// another kind than sc's and every subject listed twice.
func resolveSubjects(ctx context.Context, inst *app.Installation, idents []listedIdent, sc *candor.Scorecard) (subs []listed, unknown int, err error) {
	var probs []string
	line := map[candor.SubjectID]int{}
	for _, li := range idents {
		id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(li.ident))
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			unknown++
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		rec, err := inst.Store.Subject(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		switch {
		case rec.Kind != sc.SubjectKind:
			probs = append(probs, fmt.Sprintf("line %d: %s, but scorecard %s is for %s", li.line, rec.Kind.Noun(), sc.ID, sc.SubjectKind.Noun()))
		case line[id] != 0:
			probs = append(probs, fmt.Sprintf("line %d: the subject of line %d again", li.line, line[id]))
		default:
			line[id] = li.line
			subs = append(subs, listed{id: id, rec: rec})
		}
	}
	if err := joinProblems(probs); err != nil {
		return nil, 0, err
	}
	return subs, unknown, nil
}

// featureReaders is how many subjects featuresOfAll reads at a time. Each
// read is recorded in the access log, durably, before its values are
// used: read one after the other, every record would wait for a commit
// and a sync of its own (3,947 of them in the demo's loop, most of its
// time); read together, they share the log's group commits. With 16 at a
// time, the reads still waited on syncs nearly all the time (goroutine
// dumps of the demo's loop on the shared machine); 64 makes about 62
// commits of the demo's 3,947 records.
const featureReaders = 64

// featuresOfAll returns featuresOf of each of subs, in their order, reading
// up to featureReaders subjects at a time. On an error it reads no more
// subjects and returns the first error.
func featuresOfAll(ctx context.Context, inst *app.Installation, access *audit.AccessLog, card *scoring.Compiled, subs []listed, at time.Time) ([][]scoring.Value, error) {
	out := make([][]scoring.Value, len(subs))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(featureReaders, len(subs)) {
		wg.Go(func() {
			for i := range next {
				vals, err := featuresOf(ctx, inst, access, card, subs[i], at)
				if err != nil {
					cancel(err)
					return
				}
				out[i] = vals
			}
		})
	}
feed:
	for i := range subs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// featuresRow is the CSV row of a subject's values: its row number, then
// each value, NA where it is missing.
func featuresRow(n int, vals []scoring.Value) []string {
	row := []string{strconv.Itoa(n)}
	for _, v := range vals {
		if v.Missing {
			row = append(row, "NA")
		} else {
			row = append(row, strconv.FormatFloat(v.V, 'g', -1, 64))
		}
	}
	return row
}

// featuresOf reads sub's facts, recording the read, and returns its values.
func featuresOf(ctx context.Context, inst *app.Installation, access *audit.AccessLog, card *scoring.Compiled, sub listed, at time.Time) ([]scoring.Value, error) {
	key, err := inst.Vault.SubjectKey(ctx, sub.id)
	if err != nil {
		return nil, err
	}
	events, err := key.ReadEvents(ctx, inst.Store)
	if err != nil {
		return nil, err
	}
	vals, err := card.Values(sub.id, events, at)
	if err != nil {
		return nil, err
	}
	sc := card.Scorecard()
	a := &candor.Access{Subject: sub.id, At: time.Now().UTC(), Principal: "candor features", Role: candor.RoleOperator,
		Purpose: candor.ReadModelDevelopment.String(), Action: fmt.Sprintf("features %s v%d", sc.ID, sc.Version)}
	if err := access.RecordWith(ctx, key, a, nil); err != nil {
		return nil, err
	}
	return vals, nil
}

// listedIdent is an identifier of the subjects file and its line.
type listedIdent struct {
	ident candor.Identifier
	line  int
}

// joinProblems is nil for none, else one error naming up to 20.
func joinProblems(probs []string) error {
	if len(probs) > 20 {
		probs = append(probs[:20], fmt.Sprintf("and %d more", len(probs)-20))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// parseSubjects reads identifiers, one scheme:value a line; blank lines
// are skipped. The whole file is validated: the error names every bad
// line and every identifier listed twice (up to 20).
func parseSubjects(r io.Reader) ([]listedIdent, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxSubjectsLine), maxSubjectsLine)
	var out []listedIdent
	var probs []string
	seen := map[candor.Identifier]int{}
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		scheme, value, ok := strings.Cut(s, ":")
		if !ok {
			probs = append(probs, fmt.Sprintf("line %d: want scheme:value, e.g. national_id:AB1234567", line))
			continue
		}
		sch, ok := candor.ParseScheme(scheme)
		if !ok {
			probs = append(probs, fmt.Sprintf("line %d: unknown identifier scheme %s", line, quoteClip(scheme)))
			continue
		}
		id, err := candor.NormaliseIdentifier(sch, value)
		if err != nil {
			probs = append(probs, fmt.Sprintf("line %d: %s", line, candor.ErrorMessage(err)))
			continue
		}
		if first, dup := seen[id]; dup {
			probs = append(probs, fmt.Sprintf("line %d: the identifier of line %d again", line, first))
			continue
		}
		seen[id] = line
		out = append(out, listedIdent{id, line})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", line+1, maxSubjectsLine)
		}
		return nil, err
	}
	if err := joinProblems(probs); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no identifiers")
	}
	return out, nil
}

// quoteClip quotes s, cut to 40 bytes.
func quoteClip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// featuresMapping is the mapping with which candor fit reads the CSV: each
// column a numeric characteristic defined as the template defines it.
func featuresMapping(sc *candor.Scorecard) ([]byte, error) {
	m := fit.Mapping{Outcome: "outcome", Missing: []string{"NA"}}
	for _, ch := range sc.Characteristics {
		c := fit.Mapped{Name: ch.ID, Column: ch.ID, Kind: "numeric", Types: ch.EventTypes, Condition: ch.Condition, Aggregate: ch.Aggregate.String(),
			Field: ch.Field, Currency: ch.Currency}
		if ch.Window > 0 {
			c.Window = candor.FormatRetention(ch.Window)
		}
		m.Characteristics = append(m.Characteristics, c)
	}
	return yaml.Marshal(&m)
}
