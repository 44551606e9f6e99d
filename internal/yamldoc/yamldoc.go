package yamldoc

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Problem is why a document was refused, at a line (0 when unknown).
type Problem struct {
	Line int
	What string
}

// Parse decodes data as one YAML document and returns its root node, or nil
// for an empty file. It refuses invalid UTF-8, a second document and
// aliases (which would let a small file expand into a huge one), reporting
// the line where it can.
func Parse(data []byte) (*yaml.Node, *Problem) {
	if !utf8.Valid(data) {
		return nil, &Problem{What: "not valid UTF-8"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeSafely(dec, &doc); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, problem(err)
	}
	var next yaml.Node
	switch err := decodeSafely(dec, &next); {
	case err == nil:
		return nil, &Problem{Line: next.Line, What: "more than one YAML document; want one"}
	case err != io.EOF:
		return nil, problem(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil
	}
	if a := findAlias(doc.Content[0]); a != nil {
		return nil, &Problem{Line: a.Line, What: fmt.Sprintf("aliases (*%s) are not supported: write it out in full", a.Value)}
	}
	return doc.Content[0], nil
}

// decodeSafely turns a panic in the YAML library into an error.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return dec.Decode(n)
}

// problem splits the YAML library's "yaml: line N: what".
func problem(err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, what, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				return &Problem{Line: n, What: what}
			}
		}
	}
	return &Problem{What: msg}
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}
