package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/strictjson"
)

// Format is the encoding of a request body.
type Format uint8

const (
	FormatJSON            Format = iota + 1 // one event object, or an array of them
	FormatNDJSON                            // one event object per line
	FormatCloudEvent                        // one CloudEvents 1.0 event, structured JSON mode
	FormatCloudEventBatch                   // a CloudEvents 1.0 JSON batch
	FormatCSV                               // a header line, then one event per row
)

// Limits of one request.
const (
	MaxEvents    = 10_000
	MaxBodyBytes = 8 << 20
)

// FormatForContentType maps a Content-Type header to a format. It returns an
// EUNSUPPORTED error naming the accepted types for anything else.
func FormatForContentType(contentType string) (Format, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err == nil {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return 0, candor.Errorf(candor.EUNSUPPORTED, "charset %q: bodies must be UTF-8", cs)
		}
		switch mt {
		case "application/json":
			return FormatJSON, nil
		case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines":
			return FormatNDJSON, nil
		case "application/cloudevents+json":
			return FormatCloudEvent, nil
		case "application/cloudevents-batch+json":
			return FormatCloudEventBatch, nil
		case "text/csv":
			return FormatCSV, nil
		}
	}
	return 0, candor.Errorf(candor.EUNSUPPORTED,
		"content type %q: use application/json, application/x-ndjson, application/cloudevents+json, application/cloudevents-batch+json or text/csv (or a CloudEvent in binary mode: ce-* headers and application/json)", contentType)
}

// Decode parses a request body into event inputs. Problems with the shape of
// single events (a wrong JSON type, an unknown key, a bad NDJSON line) are
// returned as problems, each naming its event, so the caller can report them
// all; a body that cannot be read as a whole returns an error: EMALFORMED for
// malformed or empty input or JSON that strictjson refuses (nesting deeper
// than strictjson.MaxDepth, a key given twice, control characters or
// bidirectional overrides in a string), ETOOLARGE for more than maxEvents
// events. Reading a body takes memory proportional to its size.
//
// A UTF-8 byte order mark at the start of the body (as Excel writes) is
// skipped. CSV is comma-separated; DecodeCSV takes another delimiter.
func Decode(body []byte, f Format, maxEvents int) ([]candor.EventInput, []candor.Problem, error) {
	return decode(body, f, ',', maxEvents)
}

// DecodeCSV parses a CSV body as Decode does, with comma as the field
// delimiter (a semicolon, say, as spreadsheets write in locales whose
// decimal separator is a comma). Errors: Decode's; EINVALID for a
// delimiter that cannot separate CSV fields (a quote, a line break, a
// letter or digit, or not a valid character).
func DecodeCSV(body []byte, comma rune, maxEvents int) ([]candor.EventInput, []candor.Problem, error) {
	if err := CheckDelimiter(comma); err != nil {
		return nil, nil, err
	}
	return decode(body, FormatCSV, comma, maxEvents)
}

// CheckDelimiter returns EINVALID for a rune that cannot be a CSV field
// delimiter.
func CheckDelimiter(comma rune) error {
	if comma == '"' || comma == '\r' || comma == '\n' || comma == utf8.RuneError || !utf8.ValidRune(comma) ||
		unicode.IsLetter(comma) || unicode.IsDigit(comma) || unicode.IsControl(comma) && comma != '\t' {
		return candor.Errorf(candor.EINVALID, "%q cannot separate CSV fields: use a comma, a semicolon, a tab or another punctuation mark", comma)
	}
	return nil
}

// utf8BOM is the byte order mark some tools write at the start of UTF-8.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

func decode(body []byte, f Format, comma rune, maxEvents int) ([]candor.EventInput, []candor.Problem, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "empty body: no events")
	}
	if f != FormatCSV && !utf8.Valid(body) {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "body is not valid UTF-8")
	}
	d := &decoder{max: maxEvents, comma: comma}
	var err error
	switch f {
	case FormatJSON:
		err = d.jsonBody(body, false)
	case FormatCloudEvent, FormatCloudEventBatch:
		err = d.jsonBody(body, true)
		if err == nil && (f == FormatCloudEventBatch) != d.wasArray {
			want := "an array of CloudEvents"
			if f == FormatCloudEvent {
				want = "one CloudEvent object"
			}
			err = candor.Errorf(candor.EMALFORMED, "%s body must be %s", mediaName(f), want)
		}
	case FormatNDJSON:
		err = d.ndjson(body)
	case FormatCSV:
		err = d.csv(body)
	default:
		err = candor.Errorf(candor.EUNSUPPORTED, "unknown format")
	}
	if errors.Is(err, errTooMany) {
		return nil, nil, candor.Errorf(candor.ETOOLARGE, "more than %d events in one request", maxEvents)
	}
	var se *strictjson.Error
	if errors.As(err, &se) {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "%s", se.Error())
	}
	if err != nil {
		return nil, nil, err
	}
	if len(d.events) == 0 {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "no events in body")
	}
	return d.events, d.problems, nil
}

func mediaName(f Format) string {
	if f == FormatCloudEvent {
		return "application/cloudevents+json"
	}
	return "application/cloudevents-batch+json"
}

var errTooMany = errors.New("too many events")

type decoder struct {
	max      int
	comma    rune // CSV's field delimiter
	s        strictjson.Scanner
	events   []candor.EventInput
	problems []candor.Problem
	raw      []candor.RawField // the fields of every event
	names    map[string]string // field names, shared
	wasArray bool
}

func (d *decoder) next() (*candor.EventInput, int, error) {
	if len(d.events) >= d.max {
		return nil, 0, errTooMany
	}
	d.events = append(d.events, candor.EventInput{})
	i := len(d.events) - 1
	return &d.events[i], i, nil
}

// maxProblems bounds the problems listed for one event, and so the memory
// an event of many bad keys takes.
const maxProblems = 16

func (d *decoder) problem(index int, field, format string, args ...any) {
	n := 0
	for j := len(d.problems) - 1; j >= 0 && d.problems[j].Index == index; j-- {
		n++
	}
	switch {
	case n > maxProblems:
		return
	case n == maxProblems:
		field, format, args = "", "more problems, not listed", nil
	}
	reason := format
	if len(args) > 0 {
		reason = fmt.Sprintf(format, args...)
	}
	d.problems = append(d.problems, candor.Problem{Index: index, Field: field, Reason: reason})
}

// skip skips the value at the cursor and, if it is well-formed, records
// the problem with it.
func (d *decoder) skip(index int, field, format string, args ...any) error {
	err := d.s.Skip()
	if err == nil {
		d.problem(index, field, format, args...)
	}
	return err
}

func (d *decoder) jsonBody(body []byte, cloud bool) error {
	s := &d.s
	s.Reset(body)
	one := func(int) error {
		in, i, err := d.next()
		if err != nil {
			return err
		}
		if cloud {
			return d.cloudEvent(in, i)
		}
		return d.event(in, i)
	}
	var err error
	switch s.Peek() {
	case '[':
		d.wasArray = true
		err = s.Array(one)
	case '{':
		err = one(0)
	default:
		err = s.Errorf("want an event object or an array of them")
	}
	if err == nil {
		err = s.End()
	}
	return err
}

func (d *decoder) ndjson(body []byte) error {
	if first, _, _ := bytes.Cut(bytes.TrimLeft(body, " \t\r\n"), []byte{'\n'}); isOpening(first) {
		return candor.Errorf(candor.EMALFORMED, "line 1 opens a JSON value spread over several lines: NDJSON takes one whole event object on each line (or send the body as application/json)")
	}
	line := 0
	for len(body) > 0 {
		line++
		var text []byte
		text, body, _ = bytes.Cut(body, []byte{'\n'})
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		in, i, err := d.next()
		if err != nil {
			return err
		}
		d.s.Reset(text)
		err = d.event(in, i)
		if err == nil {
			err = d.s.End()
		}
		var se *strictjson.Error
		if errors.As(err, &se) {
			*in = candor.EventInput{Unreadable: true}
			if se.Path != "" {
				d.problem(i, se.Path, "line %d: malformed JSON at column %d: %s", line, se.Col, se.Msg)
			} else {
				d.problem(i, "", "line %d: malformed JSON at column %d: %s", line, se.Col, se.Msg)
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// isOpening reports whether a line is only the opening of a JSON object
// or array.
func isOpening(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) == 1 && (t[0] == '{' || t[0] == '[')
}

// event reads one event object in Candor's shape.
func (d *decoder) event(in *candor.EventInput, i int) error {
	s := &d.s
	if s.Peek() != '{' {
		return d.skip(i, "", "must be an event object")
	}
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return d.str(i, "id", &in.ID)
		case "type":
			return d.str(i, "type", &in.Type)
		case "occurred_at":
			return d.str(i, "occurred_at", &in.OccurredAt)
		case "subject":
			return d.subject(in, i, "subject")
		case "fields":
			return d.fields(in, i, "fields")
		}
		return d.skip(i, string(key), "unknown key")
	})
}

func (d *decoder) str(i int, field string, dst *string) error {
	s := &d.s
	if s.Peek() != '"' {
		return d.skip(i, field, "must be a string")
	}
	v, err := s.String(strictjson.Line)
	*dst = v
	return err
}

func (d *decoder) subject(in *candor.EventInput, i int, path string) error {
	s := &d.s
	if s.Peek() != '{' {
		return d.skip(i, path, `must be an object like {"kind":"person","scheme":"national_id","value":"AB1234567"}`)
	}
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "kind":
			return d.str(i, path+".kind", &in.Subject.Kind)
		case "scheme":
			return d.str(i, path+".scheme", &in.Subject.Scheme)
		case "value":
			return d.str(i, path+".value", &in.Subject.Value)
		}
		return d.skip(i, path+"."+string(key), "unknown key")
	})
}

// maxNames bounds the field names a decoder shares between events.
const maxNames = 256

// name returns key as a string, one string for each name the events of a
// body repeat.
func (d *decoder) name(key []byte) string {
	if n, ok := d.names[string(key)]; ok {
		return n
	}
	n := string(key)
	if len(d.names) < maxNames {
		if d.names == nil {
			d.names = make(map[string]string)
		}
		d.names[n] = n
	}
	return n
}

// rawKinds maps strictjson's kinds onto the domain's.
var rawKinds = [...]candor.RawKind{
	strictjson.String: candor.RawString,
	strictjson.Number: candor.RawNumber,
	strictjson.Bool:   candor.RawBool,
	strictjson.Null:   candor.RawNull,
	strictjson.Object: candor.RawOther,
	strictjson.Array:  candor.RawOther,
}

func (d *decoder) fields(in *candor.EventInput, i int, path string) error {
	s := &d.s
	if s.Peek() != '{' {
		return d.skip(i, path, "must be an object of field values")
	}
	// The fields of many events share one array, which is replaced, not
	// grown, when full: an event's fields are moved to the next.
	start := len(d.raw)
	err := s.Object(func(key []byte) error {
		// Unknown names and values of the wrong type are the catalogue's
		// to report.
		k, text, err := s.Scalar()
		if err != nil {
			return err
		}
		if len(d.raw) == cap(d.raw) {
			n := len(d.raw) - start
			next := make([]candor.RawField, n, max(256, 2*n))
			copy(next, d.raw[start:])
			d.raw, start = next, 0
		}
		d.raw = append(d.raw, candor.RawField{Name: d.name(key), Value: candor.RawValue{Kind: rawKinds[k], Text: text}})
		return nil
	})
	if len(d.raw) > start {
		in.Fields = d.raw[start:len(d.raw):len(d.raw)]
	}
	return err
}

// cloudEvent reads a CloudEvents 1.0 event in structured JSON mode. The
// context attributes map onto Candor's shape: id → id, type → type, time →
// occurred_at; data carries {"subject": {...}, "fields": {...}}. The
// source attribute is required by the spec but informational here: the
// posting source is the one the API key belongs to. Extension attributes are
// ignored, as the spec allows, if they are what the spec allows: a name of
// lower-case ASCII letters and digits, and a string, number, boolean or
// null value.
func (d *decoder) cloudEvent(in *candor.EventInput, i int) error {
	s := &d.s
	if s.Peek() != '{' {
		return d.skip(i, "", "must be a CloudEvent object")
	}
	var specversion string
	var hasSpec, hasSource, hasData bool
	err := s.Object(func(key []byte) error {
		switch string(key) {
		case "specversion":
			hasSpec = true
			return d.str(i, "specversion", &specversion)
		case "id":
			return d.str(i, "id", &in.ID)
		case "type":
			return d.str(i, "type", &in.Type)
		case "time":
			return d.str(i, "time", &in.OccurredAt)
		case "source":
			hasSource = true
			return d.str(i, "source", &in.Source)
		case "datacontenttype":
			var ct string
			if err := d.str(i, "datacontenttype", &ct); err != nil {
				return err
			}
			if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
				d.problem(i, "datacontenttype", "must be application/json, not %q", ct)
			}
			return nil
		case "data":
			hasData = true
			return d.cloudData(in, i)
		case "data_base64":
			return d.skip(i, "data_base64", "binary data is not accepted; send data as a JSON object")
		}
		if !attributeName(key) {
			d.problem(i, string(key), "not a CloudEvents attribute name: lower-case ASCII letters and digits only")
		}
		if c := s.Peek(); c == '{' || c == '[' {
			return d.skip(i, string(key), "an extension attribute must be a string, number, boolean or null")
		}
		_, _, err := s.Scalar()
		return err
	})
	if err != nil {
		return err
	}
	if !hasSpec || specversion != "1.0" {
		d.problem(i, "specversion", `must be "1.0"`)
	}
	if !hasSource || in.Source == "" {
		d.problem(i, "source", "required by CloudEvents 1.0")
	}
	if !hasData {
		d.problem(i, "data", `required: {"subject": {...}, "fields": {...}}`)
	}
	return nil
}

// attributeName reports whether key is a valid CloudEvents attribute name.
func attributeName(key []byte) bool {
	for _, c := range key {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return len(key) > 0
}

func (d *decoder) cloudData(in *candor.EventInput, i int) error {
	s := &d.s
	if s.Peek() != '{' {
		return d.skip(i, "data", `must be an object {"subject": {...}, "fields": {...}}`)
	}
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "subject":
			return d.subject(in, i, "data.subject")
		case "fields":
			return d.fields(in, i, "data.fields")
		}
		return d.skip(i, "data."+string(key), "unknown key")
	})
}

// CSV columns every file must have; any other column names a field. Empty
// cells are absent fields.
var csvColumns = []string{"id", "subject_kind", "subject_scheme", "subject_value", "type", "occurred_at"}

func (d *decoder) csv(body []byte) error {
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = d.comma
	r.FieldsPerRecord = 0
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return candor.Errorf(candor.EMALFORMED, "csv header: %v", err)
	}
	header = append([]string(nil), header...)
	col := map[string]int{}
	for j, h := range header {
		if _, dup := col[h]; dup {
			return candor.Errorf(candor.EMALFORMED, "csv header: column %q given twice", h)
		}
		if r, at := candor.ForbiddenRune(h, false); at >= 0 {
			return candor.Errorf(candor.EMALFORMED, "csv header: column %q holds %s", h, candor.DescribeRune(r))
		}
		col[h] = j
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			return candor.Errorf(candor.EMALFORMED, "csv header: missing column %q (need %s)", c, strings.Join(csvColumns, ", "))
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return candor.Errorf(candor.EMALFORMED, "csv: %v", err)
		}
		in, i, err := d.next()
		if err != nil {
			return err
		}
		for j, cell := range rec {
			if r, at := candor.ForbiddenRune(cell, false); at >= 0 {
				d.problem(i, header[j], "holds %s", candor.DescribeRune(r))
				continue
			}
			switch header[j] {
			case "id":
				in.ID = cell
			case "subject_kind":
				in.Subject.Kind = cell
			case "subject_scheme":
				in.Subject.Scheme = cell
			case "subject_value":
				in.Subject.Value = cell
			case "type":
				in.Type = cell
			case "occurred_at":
				in.OccurredAt = cell
			default:
				if cell != "" {
					in.Fields = append(in.Fields, candor.RawField{Name: header[j], Value: candor.RawValue{Kind: candor.RawText, Text: cell}})
				}
			}
		}
	}
}
