package candor

import "strings"

// Envelope is what a transport carries beside the body of a post.
type Envelope struct {
	// ContentType is the body's media type, with its parameters
	// (text/csv; delimiter=";").
	ContentType string
	// CloudEvent holds the attributes of one CloudEvent sent in binary
	// content mode (CloudEventHeaders of HTTP's or NATS's headers), whose
	// body is then the event's data; nil for any other post.
	CloudEvent map[string][]string
	// Delimiter is CSV's field delimiter as a transport names it outside
	// the media type (HTTP's ?delimiter=): one character, or comma,
	// semicolon, tab or pipe; "" for the media type's, or a comma.
	Delimiter string
}

// CloudEventPrefix starts the name of a header that carries a CloudEvents
// attribute in binary content mode.
const CloudEventPrefix = "ce-"

// CloudEventHeaders returns the CloudEvents attributes among headers h:
// those named ce-<attribute>, in any case, by attribute name in lower
// case, with every value given; nil if there are none.
func CloudEventHeaders(h map[string][]string) map[string][]string {
	var attrs map[string][]string
	for k, vs := range h {
		if len(k) > len(CloudEventPrefix) && strings.EqualFold(k[:len(CloudEventPrefix)], CloudEventPrefix) {
			if attrs == nil {
				attrs = map[string][]string{}
			}
			name := strings.ToLower(k[len(CloudEventPrefix):])
			attrs[name] = append(attrs[name], vs...)
		}
	}
	return attrs
}

// NamesSource reports whether a CloudEvents source attribute names the
// source with ID id: id itself, or a URI reference whose last segment,
// after its last '/' or ':', is id (urn:candor:source:bank7,
// https://bank7.example/events/bank7), with no query or fragment.
func NamesSource(attr, id string) bool {
	if id == "" || strings.ContainsAny(attr, "?#") {
		return false
	}
	return attr[strings.LastIndexAny(attr, "/:")+1:] == id
}
