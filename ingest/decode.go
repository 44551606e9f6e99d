// Package ingest is Candor's write path: it decodes what sources post,
// validates it whole against the catalogue and the source's permissions,
// resolves subjects through the blind index, drops duplicates, seals the
// content with each subject's data key and commits durably in group commits.
package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// Format is the encoding of a request body.
type Format uint8

const (
	FormatJSON            Format = iota + 1 // one event object, or an array of them
	FormatNDJSON                            // one event object per line
	FormatCloudEvent                        // one CloudEvents 1.0 event, structured JSON mode
	FormatCloudEventBatch                   // a CloudEvents 1.0 JSON batch
	FormatCSV                               // a header line, then one event per row (import only)
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
		}
	}
	return 0, candor.Errorf(candor.EUNSUPPORTED,
		"content type %q: use application/json, application/x-ndjson, application/cloudevents+json or application/cloudevents-batch+json", contentType)
}

// Decode parses a request body into event inputs. Problems with the shape of
// single events (a wrong JSON type, an unknown key, a bad NDJSON line) are
// returned as problems, each naming its event, so the caller can report them
// all; a body that cannot be read as a whole returns an error: EMALFORMED for
// malformed or empty input, ETOOLARGE for more than maxEvents events.
func Decode(body []byte, f Format, maxEvents int) ([]candor.EventInput, []candor.Problem, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "empty body: no events")
	}
	if f != FormatCSV && !utf8.Valid(body) {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "body is not valid UTF-8")
	}
	d := &decoder{max: maxEvents}
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
	var se *syntaxError
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
	events   []candor.EventInput
	problems []candor.Problem
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

func (d *decoder) problem(index int, field, format string, args ...any) {
	d.problems = append(d.problems, candor.Problem{Index: index, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (d *decoder) jsonBody(body []byte, cloud bool) error {
	s := &scanner{data: body}
	one := func(int) error {
		in, i, err := d.next()
		if err != nil {
			return err
		}
		if cloud {
			return d.cloudEvent(s, in, i)
		}
		return d.event(s, in, i, "")
	}
	var err error
	switch s.peek() {
	case '[':
		d.wasArray = true
		err = s.array(one)
	case '{':
		err = one(0)
	default:
		err = s.errorf("want an event object or an array of them")
	}
	if err == nil && s.peek() != 0 {
		err = s.errorf("unexpected data after the end of the body")
	}
	return err
}

func (d *decoder) ndjson(body []byte) error {
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
		s := &scanner{data: text}
		err = d.event(s, in, i, "")
		if err == nil && s.peek() != 0 {
			err = s.errorf("unexpected data after the event object")
		}
		var se *syntaxError
		if errors.As(err, &se) {
			d.problem(i, "", "line %d: malformed JSON at column %d: %s", line, se.col, se.msg)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// event reads one event object in Candor's shape. prefix is prepended to
// field paths (CloudEvents data members).
func (d *decoder) event(s *scanner, in *candor.EventInput, i int, prefix string) error {
	if s.peek() != '{' {
		d.problem(i, prefix, "must be an event object")
		_, err := s.value()
		return err
	}
	var seen keySet
	return s.object(func(key string) error {
		if seen.repeated(key) {
			d.problem(i, prefix+key, "given twice")
		}
		switch key {
		case "id":
			return d.str(s, i, "id", &in.ID)
		case "type":
			return d.str(s, i, "type", &in.Type)
		case "occurred_at":
			return d.str(s, i, "occurred_at", &in.OccurredAt)
		case "subject":
			return d.subject(s, in, i, prefix+"subject")
		case "fields":
			return d.fields(s, in, i, prefix+"fields")
		}
		d.problem(i, prefix+key, "unknown key")
		_, err := s.value()
		return err
	})
}

// keySet remembers which keys of one small object were seen, without
// allocating; objects with more distinct keys than it tracks are refused
// for their unknown keys anyway.
type keySet struct {
	keys [8]string
	n    int
}

// repeated records key and reports whether it was seen before.
func (k *keySet) repeated(key string) bool {
	for _, seen := range k.keys[:k.n] {
		if seen == key {
			return true
		}
	}
	if k.n < len(k.keys) {
		k.keys[k.n] = key
		k.n++
	}
	return false
}

func (d *decoder) str(s *scanner, i int, field string, dst *string) error {
	v, err := s.value()
	if err == nil {
		if v.Kind == candor.RawString {
			*dst = v.Text
		} else {
			d.problem(i, field, "must be a string")
		}
	}
	return err
}

func (d *decoder) subject(s *scanner, in *candor.EventInput, i int, path string) error {
	if s.peek() != '{' {
		d.problem(i, path, `must be an object like {"kind":"person","scheme":"national_id","value":"AB1234567"}`)
		_, err := s.value()
		return err
	}
	var seen keySet
	return s.object(func(key string) error {
		if seen.repeated(key) {
			d.problem(i, path+"."+key, "given twice")
		}
		switch key {
		case "kind":
			return d.str(s, i, path+".kind", &in.Subject.Kind)
		case "scheme":
			return d.str(s, i, path+".scheme", &in.Subject.Scheme)
		case "value":
			return d.str(s, i, path+".value", &in.Subject.Value)
		}
		d.problem(i, path+"."+key, "unknown key")
		_, err := s.value()
		return err
	})
}

func (d *decoder) fields(s *scanner, in *candor.EventInput, i int, path string) error {
	if s.peek() != '{' {
		d.problem(i, path, "must be an object of field values")
		_, err := s.value()
		return err
	}
	return s.object(func(key string) error {
		v, err := s.value()
		if err == nil {
			// Duplicates and unknown names are the catalogue's to report.
			in.Fields = append(in.Fields, candor.RawField{Name: key, Value: v})
		}
		return err
	})
}

// cloudEvent reads a CloudEvents 1.0 event in structured JSON mode. The
// context attributes map onto Candor's shape: id → id, type → type, time →
// occurred_at; data carries {"subject": {...}, "fields": {...}}. The
// source attribute is required by the spec but informational here: the
// posting source is the one the API key belongs to. Extension attributes are
// ignored, as the spec allows.
func (d *decoder) cloudEvent(s *scanner, in *candor.EventInput, i int) error {
	if s.peek() != '{' {
		d.problem(i, "", "must be a CloudEvent object")
		_, err := s.value()
		return err
	}
	var specversion, source string
	var hasSpec, hasSource, hasData bool
	err := s.object(func(key string) error {
		switch key {
		case "specversion":
			hasSpec = true
			return d.str(s, i, "specversion", &specversion)
		case "id":
			return d.str(s, i, "id", &in.ID)
		case "type":
			return d.str(s, i, "type", &in.Type)
		case "time":
			return d.str(s, i, "time", &in.OccurredAt)
		case "source":
			hasSource = true
			return d.str(s, i, "source", &source)
		case "datacontenttype":
			var ct string
			if err := d.str(s, i, "datacontenttype", &ct); err != nil {
				return err
			}
			if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
				d.problem(i, "datacontenttype", "must be application/json, not %q", ct)
			}
			return nil
		case "data":
			hasData = true
			return d.cloudData(s, in, i)
		case "data_base64":
			d.problem(i, "data_base64", "binary data is not accepted; send data as a JSON object")
		}
		_, err := s.value()
		return err
	})
	if err != nil {
		return err
	}
	if !hasSpec || specversion != "1.0" {
		d.problem(i, "specversion", `must be "1.0"`)
	}
	if !hasSource || source == "" {
		d.problem(i, "source", "required by CloudEvents 1.0")
	}
	if !hasData {
		d.problem(i, "data", `required: {"subject": {...}, "fields": {...}}`)
	}
	return nil
}

func (d *decoder) cloudData(s *scanner, in *candor.EventInput, i int) error {
	if s.peek() != '{' {
		d.problem(i, "data", `must be an object {"subject": {...}, "fields": {...}}`)
		_, err := s.value()
		return err
	}
	return s.object(func(key string) error {
		switch key {
		case "subject":
			return d.subject(s, in, i, "data.subject")
		case "fields":
			return d.fields(s, in, i, "data.fields")
		}
		d.problem(i, "data."+key, "unknown key")
		_, err := s.value()
		return err
	})
}

// CSV columns every file must have; any other column names a field. Empty
// cells are absent fields.
var csvColumns = []string{"id", "subject_kind", "subject_scheme", "subject_value", "type", "occurred_at"}

func (d *decoder) csv(body []byte) error {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 0
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return candor.Errorf(candor.EMALFORMED, "csv header: %v", err)
	}
	header = append([]string(nil), header...)
	col := map[string]int{}
	for j, h := range header {
		if _, dup := col[h]; dup || !utf8.ValidString(h) {
			return candor.Errorf(candor.EMALFORMED, "csv header: column %q given twice or not UTF-8", h)
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
			if !utf8.ValidString(cell) {
				d.problem(i, header[j], "not valid UTF-8")
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
