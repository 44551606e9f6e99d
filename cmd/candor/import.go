package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/progress"
)

// importChunk is how many events one import request carries.
const importChunk = 1000

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	sourceID := fs.String("source", "", "the source the events come from (required)")
	format := fs.String("format", "", "ndjson or csv (default: from the file name; .csv is CSV, anything else NDJSON)")
	delimiter := fs.String("delimiter", ",", "CSV's field delimiter: one character, such as ';' (as spreadsheets save CSV where the decimal separator is a comma), or tab")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	comma, err := parseDelimiter(*delimiter)
	if err != nil {
		return err
	}
	if *sourceID == "" || fs.NArg() == 0 {
		return errors.New("usage: candor import --source ID FILE...")
	}
	inst, err := app.Open(cfg.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.Close()
	src, err := inst.Store.Source(ctx, *sourceID)
	if err != nil {
		return fmt.Errorf("source %s: %s", *sourceID, candor.ErrorMessage(err))
	}
	p, _, err := inst.NewPipeline(ctx, ingest.Options{}, true, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	for _, name := range fs.Args() {
		f := ingest.FormatNDJSON
		if *format == "csv" || *format == "" && strings.HasSuffix(strings.ToLower(name), ".csv") {
			f = ingest.FormatCSV
		}
		if err := importFile(ctx, p, src, name, f, comma, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// importFile checks the whole file first and stores nothing if any event is
// invalid; then it ingests it in chunks of importChunk events. A failure in
// the second pass (a conflict with stored data, a full disk) leaves the
// chunks before it stored; running the import again skips them as duplicates.
func importFile(ctx context.Context, p *ingest.Pipeline, src *candor.Source, name string, f ingest.Format, comma rune, stdout, stderr io.Writer) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	chunks, err := splitChunks(data, f, comma, importChunk)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	decoded := make([][]candor.EventInput, len(chunks))
	var all []string
	for i, c := range chunks {
		decode := func() ([]candor.EventInput, []candor.Problem, error) {
			if f == ingest.FormatCSV {
				return ingest.DecodeCSV(c.body, comma, importChunk)
			}
			return ingest.Decode(c.body, f, importChunk)
		}
		inputs, problems, err := decode()
		if err == nil {
			err = p.Check(src, inputs, problems)
		}
		if err != nil {
			all = append(all, describe(name, c.firstLine, err)...)
			continue
		}
		decoded[i] = inputs
	}
	if len(all) > 0 {
		for _, line := range all {
			fmt.Fprintln(stderr, line)
		}
		return fmt.Errorf("%s: %d problem(s); nothing was imported", name, len(all))
	}
	bar := progress.New(stderr, "importing "+name, int64(len(data)))
	var total candor.IngestResult
	for i, inputs := range decoded {
		res, err := p.Ingest(ctx, src, inputs, nil)
		if err != nil {
			bar.Finish()
			for _, line := range describe(name, chunks[i].firstLine, err) {
				fmt.Fprintln(stderr, line)
			}
			return fmt.Errorf("%s: stopped at the chunk starting on line %d; earlier chunks are stored, re-running skips them", name, chunks[i].firstLine)
		}
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		bar.Add(int64(len(chunks[i].body)), int64(len(inputs)))
	}
	bar.Finish()
	fmt.Fprintf(stdout, "%s: %d events stored, %d duplicates skipped\n", name, total.Accepted, total.Duplicates)
	return nil
}

type chunk struct {
	body      []byte
	firstLine int // line of the chunk's first event in the file
}

// splitChunks cuts a file into bodies of at most n events. CSV (its
// fields separated by comma) is cut at record boundaries (a quoted cell
// may hold a newline) and every chunk gets the header line.
func splitChunks(data []byte, f ingest.Format, comma rune, n int) ([]chunk, error) {
	if f == ingest.FormatCSV {
		return splitCSV(data, comma, n)
	}
	var chunks []chunk
	line := 1
	for len(data) > 0 {
		c := chunk{firstLine: line}
		events := 0
		for len(data) > 0 && events < n {
			l, rest, _ := bytes.Cut(data, []byte{'\n'})
			data = rest
			line++
			c.body = append(append(c.body, l...), '\n')
			if len(bytes.TrimSpace(l)) > 0 {
				events++
			}
		}
		if events > 0 {
			chunks = append(chunks, c)
		}
	}
	return chunks, nil
}

func splitCSV(data []byte, comma rune, n int) ([]chunk, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1 // the decoder checks the shape of each chunk
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	header := data[:r.InputOffset()]
	var chunks []chunk
	for {
		start := r.InputOffset()
		c := chunk{body: append([]byte(nil), header...)}
		events := 0
		for events < n {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("csv: %w", err)
			}
			if events == 0 {
				c.firstLine, _ = r.FieldPos(0)
			}
			events++
		}
		if events == 0 {
			return chunks, nil
		}
		c.body = append(c.body, data[start:r.InputOffset()]...)
		chunks = append(chunks, c)
	}
}

// describe turns an ingest error into lines naming the file and line of each
// problem. Events in a chunk are numbered from its first line; blank lines
// and quoted newlines in CSV can shift that, so the event index is kept too.
func describe(name string, firstLine int, err error) []string {
	ps := candor.ErrorDetails(err)
	if len(ps) == 0 {
		return []string{fmt.Sprintf("%s (chunk from line %d): %s", name, firstLine, candor.ErrorMessage(err))}
	}
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		where := p.Field
		if where != "" {
			where += ": "
		}
		lines = append(lines, fmt.Sprintf("%s:%d: %s%s", name, firstLine+p.Index, where, p.Reason))
	}
	return lines
}

// parseDelimiter reads --delimiter: one character, or "tab".
func parseDelimiter(s string) (rune, error) {
	if s == "tab" || s == `\t` {
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || size != len(s) {
		return 0, fmt.Errorf("--delimiter %q: want one character, such as ';', or tab", s)
	}
	if err := ingest.CheckDelimiter(r); err != nil {
		return 0, fmt.Errorf("--delimiter: %s", candor.ErrorMessage(err))
	}
	return r, nil
}
