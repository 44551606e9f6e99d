package ingest

import (
	"mime"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// DecodeEnvelope decodes body as env describes it: a CloudEvent in binary
// content mode if env has CloudEvents attributes, else by its media type
// (FormatForContentType), CSV with the delimiter the media type's
// delimiter parameter or env.Delimiter names (ParseDelimiter; both must
// agree). Errors: Decode's; EUNSUPPORTED; EINVALID for a delimiter that
// cannot be one; EMALFORMED for a binary-mode event without its
// required attributes.
func DecodeEnvelope(env candor.Envelope, body []byte, maxEvents int) ([]candor.EventInput, []candor.Problem, error) {
	if env.CloudEvent != nil {
		return DecodeBinaryCloudEvent(env.CloudEvent, env.ContentType, body)
	}
	f, err := FormatForContentType(env.ContentType)
	if err != nil {
		return nil, nil, err
	}
	if f != FormatCSV {
		if env.Delimiter != "" {
			return nil, nil, candor.Errorf(candor.EINVALID, "delimiter %q: only CSV (text/csv) has a delimiter", env.Delimiter)
		}
		return Decode(body, f, maxEvents)
	}
	_, params, _ := mime.ParseMediaType(env.ContentType)
	comma := ','
	if p, ok := params["delimiter"]; ok {
		if comma, err = ParseDelimiter(p); err != nil {
			return nil, nil, err
		}
	}
	if env.Delimiter != "" {
		c, err := ParseDelimiter(env.Delimiter)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := params["delimiter"]; ok && c != comma {
			return nil, nil, candor.Errorf(candor.EINVALID, "the delimiter is %q in the media type and %q in the query: give one", params["delimiter"], env.Delimiter)
		}
		comma = c
	}
	return DecodeCSV(body, comma, maxEvents)
}

// delimiterNames name the delimiters awkward to write in a header or a
// URL.
var delimiterNames = map[string]rune{"comma": ',', "semicolon": ';', "tab": '\t', "pipe": '|'}

// ParseDelimiter reads a CSV delimiter: one character, or comma,
// semicolon, tab or pipe. Errors: EINVALID naming the choices, or
// CheckDelimiter's.
func ParseDelimiter(s string) (rune, error) {
	if r, ok := delimiterNames[strings.ToLower(s)]; ok {
		return r, nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || n != len(s) {
		return 0, candor.Errorf(candor.EINVALID, "delimiter %q: one character, or comma, semicolon, tab or pipe", s)
	}
	return r, CheckDelimiter(r)
}

// binaryRequired are the attributes a binary-mode CloudEvent must have.
var binaryRequired = []string{"specversion", "id", "source", "type"}

// DecodeBinaryCloudEvent decodes one CloudEvent in binary content mode:
// its attributes attrs (CloudEventHeaders; values percent-encoded as the
// HTTP binding says) and its data, body, of media type contentType
// (application/json, or none), {"subject": {...}, "fields": {...}}. The
// attributes map as in structured mode: id, type, time (occurred_at),
// source (EventInput.Source); extension attributes are ignored if their
// names are lower-case letters and digits. Errors: EMALFORMED for a body
// or an attribute that cannot be read, an attribute given twice or a
// structured-mode media type with ce- headers; problems for the rest, as
// Decode's.
func DecodeBinaryCloudEvent(attrs map[string][]string, contentType string, body []byte) ([]candor.EventInput, []candor.Problem, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	switch {
	case contentType == "":
	case err != nil:
		return nil, nil, candor.Errorf(candor.EUNSUPPORTED, "content type %q: a binary-mode CloudEvent's data must be application/json", contentType)
	case strings.HasPrefix(mt, "application/cloudevents"):
		return nil, nil, candor.Errorf(candor.EMALFORMED, "ce- headers with a %s body: send the event either in binary mode (ce- headers, its data as application/json) or structured (no ce- headers), not both", mt)
	case mt != "application/json":
		return nil, nil, candor.Errorf(candor.EUNSUPPORTED, "content type %q: a binary-mode CloudEvent's data must be application/json", contentType)
	}
	d := &decoder{max: 1}
	in, i, _ := d.next()
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names) // problems in a stable order
	for _, name := range names {
		if err := d.binaryAttribute(in, i, name, attrs[name]); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range binaryRequired {
		if _, ok := attrs[name]; !ok {
			d.problem(i, CEHeader(name), "required by CloudEvents 1.0 (binary mode)")
		}
	}
	if len(body) > 0 && !utf8.Valid(body) {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "body is not valid UTF-8")
	}
	d.s.Reset(body)
	if err := d.cloudData(in, i); err != nil {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "the body, the event's data: %s", err.Error())
	}
	if err := d.s.End(); err != nil {
		return nil, nil, candor.Errorf(candor.EMALFORMED, "the body, the event's data: %s", err.Error())
	}
	return d.events, d.problems, nil
}

// CEHeader returns the header that carries attribute name.
func CEHeader(name string) string { return candor.CloudEventPrefix + name }

// binaryAttribute reads one attribute of a binary-mode event.
func (d *decoder) binaryAttribute(in *candor.EventInput, i int, name string, vs []string) error {
	h := CEHeader(name)
	if len(vs) != 1 {
		return candor.Errorf(candor.EMALFORMED, "header %s is given %d times; a CloudEvent has one of each attribute", h, len(vs))
	}
	if !attributeName([]byte(name)) {
		d.problem(i, h, "not a CloudEvents attribute name: lower-case ASCII letters and digits only")
		return nil
	}
	v, err := url.PathUnescape(vs[0])
	if err != nil || !utf8.ValidString(v) {
		return candor.Errorf(candor.EMALFORMED, "header %s: not a percent-encoded UTF-8 value", h)
	}
	if r, at := candor.ForbiddenRune(v, false); at >= 0 {
		d.problem(i, h, "holds %s", candor.DescribeRune(r))
		return nil
	}
	switch name {
	case "specversion":
		if v != "1.0" {
			d.problem(i, h, `must be "1.0"`)
		}
	case "id":
		in.ID = v
	case "type":
		in.Type = v
	case "time":
		in.OccurredAt = v
	case "source":
		if v == "" {
			d.problem(i, h, "required by CloudEvents 1.0 (binary mode)")
		}
		in.Source = v
	case "datacontenttype":
		d.problem(i, h, "in binary mode the data's media type is the Content-Type header")
	case "dataschema", "subject":
		// optional attributes Candor does not use
	}
	return nil
}
