package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"liaison/handler"
	"liaison/handler/docs"
	"liaison/service"
)

// TestOpenAPICoversEveryRoute fails when a route of the fully wired server is missing from the
// OpenAPI document, or the document names a route that does not exist. The console's routes
// (/console/) serve HTML pages, not the API, and are not in the document.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	r := ts.Router.(*gin.Engine)
	registered := map[string]bool{}
	for _, rt := range r.Routes() {
		if strings.HasPrefix(rt.Path, "/console/") {
			continue
		}
		registered[rt.Method+" "+ginToOpenAPI(rt.Path)] = true
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(handler.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] && !undocumentedRoute(k) {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml:\n%s", strings.Join(missing, "\n"))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml names routes that do not exist:\n%s", strings.Join(extra, "\n"))
	}
}

// undocumentedRoute: pages for people, not API: the docs and the web console.
func undocumentedRoute(methodPath string) bool {
	_, path, _ := strings.Cut(methodPath, " ")
	return !strings.HasPrefix(path, "/api/") && !contractPaths[path]
}

// contractPaths are the documented paths outside /api/.
var contractPaths = map[string]bool{"/healthz": true, "/readyz": true, "/openapi.yaml": true}

// ginToOpenAPI turns /a/:id/*rest into /a/{id}/{rest}.
func ginToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// The end-to-end harness puts checkResponses in front of every test server, so every response
// the suite gets is checked against the OpenAPI document (kin-openapi's openapi3filter): its
// status must be documented for the operation, a JSON body must match the schema, any other body
// must have a documented content type, and a response documented without a body must have none.
// A mismatch fails the test that made the request, on one line (scripts/test.sh shows only the
// first line of a test's message) naming the path, the status, the operation and the field.
// Pages for people (the web console, /docs) are not in the document and are not checked; an
// /api/ path that matches no operation is a failure unless the router answered 404 or 405, and
// then the body must be the error shape.

// contract is the document, loaded once, and what the suite's responses exercised.
var contract apiContract

type apiContract struct {
	once   sync.Once
	err    error
	doc    *openapi3.T
	router routers.Router

	mu        sync.Mutex
	responses map[string]int // operationId -> responses checked
	unrouted  int            // 404/405 answers to paths the document does not have
	skipped   int            // responses outside the API: the console, /docs
}

func (c *apiContract) load() error {
	c.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(handler.OpenAPI)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err == nil {
			c.router, err = gorillamux.NewRouter(doc)
		}
		c.doc, c.err, c.responses = doc, err, map[string]int{}
	})
	return c.err
}

// checkResponses wraps the server's handler with the response check.
func checkResponses(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	if err := contract.load(); err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tw, r)
		if msg := contract.check(r, tw); msg != "" {
			t.Errorf("openapi.yaml mismatch: %s", msg)
		}
	})
}

func (c *apiContract) count(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// check returns what does not match the document, or "".
func (c *apiContract) check(r *http.Request, w *teeWriter) string {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	where := fmt.Sprintf("%s %s -> %d", r.Method, r.URL.Path, status)
	if r.Method == http.MethodHead {
		return ""
	}
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		if !strings.HasPrefix(r.URL.Path, "/api/") && !contractPaths[r.URL.Path] {
			c.count(func() { c.skipped++ })
			return ""
		}
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Sprintf("%s: no operation in the document (%v)", where, err)
		}
		c.count(func() { c.unrouted++ })
		return c.checkErrorBody(where, w)
	}
	op := route.Operation.OperationID
	where += " (" + op + ")"
	c.count(func() { c.responses[op]++ })

	resp := route.Operation.Responses.Status(status)
	if resp == nil {
		resp = route.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return fmt.Sprintf("%s: status %d is not documented for %s %s", where, status, route.Method, route.Path)
	}
	ct := w.Header().Get("Content-Type")
	if len(resp.Value.Content) == 0 {
		if w.n > 0 {
			return fmt.Sprintf("%s: documented without a body, got %d bytes of %q", where, w.n, ct)
		}
		return ""
	}
	if resp.Value.Content.Get(ct) == nil {
		return fmt.Sprintf("%s: content type %q is not documented (documented: %s)", where, ct, strings.Join(mediaTypes(resp.Value.Content), ", "))
	}
	if !isJSON(ct) {
		return "" // binary and streams: the content type is what can be checked
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}}
	opts.WithCustomSchemaErrorFunc(schemaErrorMessage)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 w.Header(),
		Options:                opts,
	}
	in.SetBodyBytes(w.body.Bytes())
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		return fmt.Sprintf("%s: %s", where, responseErrorMessage(err))
	}
	// Schemas allow fields they do not name; the document must name every field sent.
	var v any
	if err := json.Unmarshal(w.body.Bytes(), &v); err != nil {
		return fmt.Sprintf("%s: bad JSON: %v", where, err)
	}
	var extra []string
	undocumentedFields(resp.Value.Content.Get(ct).Schema.Value, v, "", &extra)
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Sprintf("%s: fields the document does not name: %s", where, strings.Join(extra, ", "))
	}
	return ""
}

// undocumentedFields appends the JSON pointers of the object keys in v that schema s does not
// name. An object schema that names no properties, or allows additional ones, is open.
func undocumentedFields(s *openapi3.Schema, v any, ptr string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		props, open := objectProperties(s)
		for k, x := range v {
			schemas, ok := props[k]
			if !ok && !open {
				*out = append(*out, ptr+"/"+k)
			}
			for _, ps := range schemas {
				undocumentedFields(ps, x, ptr+"/"+k, out)
			}
		}
	case []any:
		for _, items := range arrayItems(s) {
			for i, x := range v {
				undocumentedFields(items, x, fmt.Sprintf("%s/%d", ptr, i), out)
			}
		}
	}
}

// objectProperties gathers the properties s names, through allOf, oneOf and anyOf.
func objectProperties(s *openapi3.Schema) (props map[string][]*openapi3.Schema, open bool) {
	props = map[string][]*openapi3.Schema{}
	var walk func(*openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		if ap := s.AdditionalProperties; (ap.Has != nil && *ap.Has) || ap.Schema != nil {
			open = true
		}
		for name, p := range s.Properties {
			props[name] = append(props[name], p.Value)
		}
		for _, parts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, p := range parts {
				walk(p.Value)
			}
		}
	}
	walk(s)
	return props, open || len(props) == 0
}

func arrayItems(s *openapi3.Schema) []*openapi3.Schema {
	if s == nil {
		return nil
	}
	var out []*openapi3.Schema
	if s.Items != nil {
		out = append(out, s.Items.Value)
	}
	for _, parts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, p := range parts {
			out = append(out, arrayItems(p.Value)...)
		}
	}
	return out
}

// checkErrorBody checks a router's 404 or 405 against the error shape.
func (c *apiContract) checkErrorBody(where string, w *teeWriter) string {
	if !isJSON(w.Header().Get("Content-Type")) {
		return fmt.Sprintf("%s: an error must be JSON, got %q", where, w.Header().Get("Content-Type"))
	}
	var v any
	if err := json.Unmarshal(w.body.Bytes(), &v); err != nil {
		return fmt.Sprintf("%s: bad JSON: %v", where, err)
	}
	schema := c.doc.Components.Schemas["Error"].Value
	if err := schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage)); err != nil {
		return fmt.Sprintf("%s: the error body does not match Error: %s", where, flattenSchemaErrors(err))
	}
	return ""
}

func isJSON(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json"
}

func mediaTypes(content openapi3.Content) []string {
	var out []string
	for k := range content {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// schemaErrorMessage names the field (a JSON pointer into the body) and what was wrong.
func schemaErrorMessage(e *openapi3.SchemaError) string {
	field := "/" + strings.Join(e.JSONPointer(), "/")
	reason := e.Reason
	if e.Origin != nil {
		reason = e.Origin.Error()
	}
	if reason == "" {
		reason = "does not match " + e.SchemaField
	}
	got, _ := json.Marshal(e.Value)
	if len(got) > 120 {
		got = append(got[:117], "..."...)
	}
	return fmt.Sprintf("field %s: %s (got %s)", field, reason, got)
}

func responseErrorMessage(err error) string {
	re, ok := err.(*openapi3filter.ResponseError)
	if !ok || re.Err == nil {
		return err.Error()
	}
	return re.Reason + ": " + flattenSchemaErrors(re.Err)
}

func flattenSchemaErrors(err error) string {
	var lines []string
	var walk func(error)
	walk = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		lines = append(lines, strings.ReplaceAll(err.Error(), "\n", " "))
	}
	walk(err)
	return strings.Join(lines, "; ")
}

// report prints how many responses were checked, and returns the operations no response
// exercised (so nothing checked them), as "operationId (METHOD /path)".
func (c *apiContract) report() []string {
	if c.doc == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total, sum := 0, 0
	var never []string
	for _, path := range c.doc.Paths.InMatchingOrder() {
		for method, op := range c.doc.Paths.Value(path).Operations() {
			total++
			if n := c.responses[op.OperationID]; n > 0 {
				sum += n
			} else {
				never = append(never, op.OperationID+" ("+method+" "+path+")")
			}
		}
	}
	sort.Strings(never)
	fmt.Printf("openapi: %d responses checked against the document, on %d of %d operations; %d router 404/405 answers checked against Error; %d responses outside the API not checked\n",
		sum, total-len(never), total, c.unrouted, c.skipped)
	return never
}

// checkCoverage fails a run of the whole package in which an operation of the document got no
// response: every route must be exercised, so that every route's responses are checked.
func checkCoverage(code int) int {
	never := contract.report()
	whole := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == ""
	if code != 0 || !whole || len(never) == 0 {
		return code
	}
	// In go test's own format, so scripts/test.sh shows and counts it.
	fmt.Printf("--- FAIL: TestMain (openapi coverage)\n    openapi_test.go: no end-to-end test calls these operations, so nothing checks their responses against openapi.yaml:\n\t%s\n",
		strings.Join(never, "\n\t"))
	return 1
}

// teeWriter passes a response through and keeps what the check needs: the status, the body
// size, and a JSON body.
type teeWriter struct {
	http.ResponseWriter
	status int
	n      int
	body   bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	if isJSON(w.Header().Get("Content-Type")) {
		w.body.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// CloseNotify is for gin's Context.Stream, which asks the writer for it.
func (w *teeWriter) CloseNotify() <-chan bool {
	return w.ResponseWriter.(http.CloseNotifier).CloseNotify() //nolint:staticcheck // gin uses it
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestDocsPageServesRedoc: /docs is an HTML page that loads the embedded Redoc bundle, which the
// server serves itself, under a CSP that lets that script and its blob: worker run and nothing
// from elsewhere.
func TestDocsPageServesRedoc(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
		}
		return resp, string(raw)
	}
	page, html := get("/docs")
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("/docs content type %q, want text/html", ct)
	}
	for _, want := range []string{`<script src="` + docs.ScriptPath + `"></script>`, `spec-url="/openapi.yaml"`} {
		if !strings.Contains(html, want) {
			t.Errorf("/docs must contain %s:\n%s", want, html)
		}
	}
	csp := page.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{"default-src": "'none'", "script-src": "'self'", "worker-src": "blob:", "connect-src": "'self'", "frame-ancestors": "'none'"} {
		if directives[name] != want {
			t.Errorf("/docs CSP %s = %q, want %q (CSP: %s)", name, directives[name], want, csp)
		}
	}

	script, js := get(docs.ScriptPath)
	if ct := script.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("%s content type %q, want text/javascript", docs.ScriptPath, ct)
	}
	if len(js) < 500_000 || !strings.Contains(js, `getAttribute("spec-url")`) {
		t.Errorf("%s is not the Redoc standalone bundle (%d bytes)", docs.ScriptPath, len(js))
	}
	// The API's own answers keep the strict policy.
	if resp, _ := get("/healthz"); resp.Header.Get("Content-Security-Policy") == csp {
		t.Error("the API must not get the docs page's CSP")
	}
}

// TestOpenAPIRemainingRoutes calls the operations no other end-to-end test needs, so that the
// response check covers every operation of the document.
func TestOpenAPIRemainingRoutes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	ts.Seed.Categories()
	sid := ts.Seed.Station("石牌街联络站", "440106001")
	did := ts.Seed.Deputy("林代表", "active", []int64{sid})
	ts.Seed.Unit("区交通运输局", "440106")
	adm, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, ts.Seed.Region("440000"))

	if cats := listItems(ts.must(200, "GET", "/api/v1/admin/categories", adm, nil)); len(cats) == 0 {
		t.Error("the admin's category list is empty")
	}
	if units := listItems(ts.must(200, "GET", "/api/v1/admin/units", adm, nil)); len(units) != 1 || units[0]["name"] != "区交通运输局" {
		t.Errorf("units: %v", units)
	}
	d := ts.must(200, "PATCH", fmt.Sprintf("/api/v1/admin/deputies/%d", did), adm, map[string]any{"intro": "关注交通出行。"})
	if d["intro"] != "关注交通出行。" {
		t.Errorf("patched deputy: %v", d)
	}
	if _, ok := ts.must(200, "GET", "/api/v1/dev/wechat/messages", "", nil)["items"].([]any); !ok {
		t.Error("the fake's messages must be a list under items")
	}
}
