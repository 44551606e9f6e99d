package httpapi_test

// The API's contract, httpapi/openapi.yaml, checked with kin-openapi: the
// document is valid OpenAPI 3.1 and holds to the conventions written at
// its top; every route the server registers is in it and every path in it
// is served; every response of the httpapi suite matches it (harness.do);
// and TestOpenAPIContract drives every operation with a valid request and
// checks the request and the answer against it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/candor-project/candor/credentials"
	"go.yaml.in/yaml/v3"
)

// contract is httpapi/openapi.yaml, loaded and validated once.
var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadContract loads and validates the document and makes a router of
// it. Its server is relative ("/"), so it matches requests to any host.
func loadContract() (*openapi3.T, routers.Router, error) {
	contract.once.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", ndjsonDecoder)
		openapi3filter.RegisterBodyDecoder("application/statuslist+jwt", openapi3filter.PlainBodyDecoder)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("openapi.yaml")
		if err == nil {
			err = doc.Validate(loader.Context)
		}
		if err == nil {
			contract.router, err = gorillamux.NewRouter(doc)
		}
		contract.doc, contract.err = doc, err
	})
	return contract.doc, contract.router, contract.err
}

// ndjsonDecoder reads newline-delimited JSON as the array of its lines,
// which is how the document describes an application/x-ndjson body.
func ndjsonDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for line := range strings.Lines(string(raw)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// checkResponse checks resp (its body raw) to req (its body body) against
// the document. A request the document has no operation for is not
// checked unless strict (the route tests cover routes missing from it).
// strict also checks the request, and that the document lists the
// response's status itself, not only as the default. It returns the
// operation, "METHOD /path", or "".
func checkResponse(req *http.Request, body []byte, resp *http.Response, raw []byte, strict bool) (string, error) {
	_, router, err := loadContract()
	if err != nil {
		return "", fmt.Errorf("loading openapi.yaml: %w", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if strict {
			return "", fmt.Errorf("no operation in the document: %w", err)
		}
		return "", nil
	}
	op := req.Method + " " + route.Path
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if strict {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		in.Request = r
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return op, fmt.Errorf("the request: %w", err)
		}
		if route.Operation.Responses.Status(resp.StatusCode) == nil {
			return op, fmt.Errorf("status %d is not listed", resp.StatusCode)
		}
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{RequestValidationInput: in,
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}})
	return op, err
}

// TestOpenAPIDocument checks the document is valid OpenAPI 3.1 (kin-openapi's
// validator) and keeps the conventions at its top: each operation has an
// operationId in lowerCamelCase, a POST or PUT a request body with a
// schema, each response a schema (text ones too), errors the shared Error
// response and a default, and the server is relative.
func TestOpenAPIDocument(t *testing.T) {
	doc, _, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi: %s, want 3.1", doc.OpenAPI)
	}
	for _, s := range doc.Servers {
		if strings.Contains(s.URL, "://") && !strings.Contains(s.URL, "{") {
			t.Errorf("server %q is an absolute address: want a relative or templated one", s.URL)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			checkOperation(t, method+" "+path, op)
		}
	}
	// oapi-codegen names a Go type after each schema and parameter
	// component: two of one name break the generated client.
	names := map[string]string{}
	for kind, comps := range map[string][]string{"schema": slices.Collect(maps.Keys(doc.Components.Schemas)), "parameter": slices.Collect(maps.Keys(doc.Components.Parameters))} {
		for _, name := range comps {
			key := strings.ToLower(strings.NewReplacer("_", "", "-", "", ".", "").Replace(name))
			if other, ok := names[key]; ok {
				t.Errorf("%s %q and %s share a Go type name in a generated client; rename one", kind, name, other)
			}
			names[key] = kind + " " + strconv.Quote(name)
		}
	}
}

// TestOpenAPIProseIsNotKeys reads the document as YAML and refuses a
// mapping key holding a space: that is prose an unquoted ": " or "," in a
// flow mapping turned into a key, which a validator may not notice.
func TestOpenAPIProseIsNotKeys(t *testing.T) {
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i]
				if strings.ContainsAny(key.Value, " \t") {
					t.Errorf("openapi.yaml:%d: key %q: quote the string it came from", key.Line, key.Value)
				}
				if key.Value != "example" && key.Value != "examples" {
					walk(n.Content[i+1])
				}
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
}

func checkOperation(t *testing.T, name string, op *openapi3.Operation) {
	t.Helper()
	if op.OperationID == "" || op.OperationID[0] < 'a' || op.OperationID[0] > 'z' || strings.ContainsAny(op.OperationID, "-_ ./") {
		t.Errorf("%s: operationId %q, want lowerCamelCase", name, op.OperationID)
	}
	if strings.HasPrefix(name, "POST ") || strings.HasPrefix(name, "PUT ") {
		if op.RequestBody == nil || !hasSchemas(op.RequestBody.Value.Content) {
			t.Errorf("%s: no request body with a schema", name)
		}
	}
	if op.Responses.Default() == nil || op.Responses.Default().Ref != "#/components/responses/Error" {
		t.Errorf("%s: want default: {$ref: \"#/components/responses/Error\"}", name)
	}
	for status, r := range op.Responses.Map() {
		if !hasSchemas(r.Value.Content) {
			t.Errorf("%s: response %s has no content with a schema", name, status)
		}
		if status >= "400" && status != "default" && r.Ref != "#/components/responses/Error" && !strings.HasPrefix(r.Ref, "#/components/responses/") {
			if s := r.Value.Content.Get("application/json"); s == nil || s.Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s: error response %s is not the shared Error", name, status)
			}
		}
	}
}

func hasSchemas(c openapi3.Content) bool {
	if len(c) == 0 {
		return false
	}
	for _, mt := range c {
		if mt.Schema == nil {
			return false
		}
	}
	return true
}

// routeConsts are the constants of other packages route patterns are
// made of; add one here if a route is registered with a new one.
var routeConsts = map[string]string{
	"credentials.MetadataPath":   credentials.MetadataPath,
	"credentials.StatusListPath": credentials.StatusListPath,
}

// TestOpenAPIDocumentsEveryRoute reads the routes the server registers
// (every HandleFunc and Handle call in the package's source) and checks
// each is in the document, and each operation of the document is a
// route: a route added without its documentation fails here.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, _, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	routes, subtrees := registeredRoutes(t)
	if len(routes) < 50 {
		t.Fatalf("found %d routes in the source: is the route-finder broken?", len(routes))
	}
	for _, r := range routes {
		if !documented[r] {
			t.Errorf("%s is served but not in openapi.yaml", r)
		}
	}
	for op := range documented {
		path := op[strings.Index(op, " ")+1:]
		if !slices.Contains(routes, op) && !slices.ContainsFunc(subtrees, func(p string) bool { return strings.HasPrefix(path, p) }) {
			t.Errorf("%s is in openapi.yaml but no route serves it", op)
		}
	}
}

// registeredRoutes returns the patterns "METHOD /path" of every
// HandleFunc and Handle call in the package, and the subtrees registered
// without a method ("/log/"; the catch-all "/" left out).
func registeredRoutes(t *testing.T) (routes, subtrees []string) {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	consts := map[string]ast.Expr{}
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle" {
				return true
			}
			pattern, err := constString(call.Args[0], consts)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(call.Pos()), err)
			}
			switch method, path, ok := strings.Cut(pattern, " "); {
			case ok:
				routes = append(routes, method+" "+path)
			case pattern != "/":
				subtrees = append(subtrees, pattern)
			}
			return true
		})
	}
	return routes, subtrees
}

// constString evaluates a route pattern: string literals, the package's
// constants, routeConsts, joined with +.
func constString(e ast.Expr, consts map[string]ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return strconv.Unquote(e.Value)
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			x, err := constString(e.X, consts)
			if err != nil {
				return "", err
			}
			y, err := constString(e.Y, consts)
			return x + y, err
		}
	case *ast.Ident:
		if v, ok := consts[e.Name]; ok {
			return constString(v, consts)
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if v, ok := routeConsts[x.Name+"."+e.Sel.Name]; ok {
				return v, nil
			}
		}
	case *ast.ParenExpr:
		return constString(e.X, consts)
	}
	return "", errors.New("a route pattern this test cannot evaluate: use a string constant, or add it to routeConsts")
}

// TestOpenAPIDocumentServed: the server serves the document it embeds.
func TestOpenAPIDocumentServed(t *testing.T) {
	h := mustHarness(t)
	file, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := h.do(t, "GET", "/v1/openapi.yaml", "", "", nil)
	if r.status != 200 || len(r.raw) < len(file)/2 || !strings.HasPrefix(r.raw, string(file[:200])) {
		t.Errorf("GET /v1/openapi.yaml: %d, %d bytes; want the embedded document", r.status, len(r.raw))
	}
}
