package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"liaison/handler"
)

// TestOpenAPICoversEveryRoute fails when a route of the fully wired server is missing from the
// OpenAPI document, or the document names a route that does not exist. The console's routes
// (/console/) serve HTML pages, not the API, and are not in the document.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	r := ts.App.Handler.(*gin.Engine)
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
		if !documented[k] {
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
