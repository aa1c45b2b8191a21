package handler

import (
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPIDocumentsRoleGates: every operation behind a role gate documents the 403 it
// answers to a role that may never use it.
func TestOpenAPIDocumentsRoleGates(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var missing []string
	gated := 0
	for path, ops := range doc.Paths {
		route := path
		for _, p := range []string{"id", "code", "date", "action"} {
			route = strings.ReplaceAll(route, "{"+p+"}", ":"+p)
		}
		for method, op := range ops {
			if _, ok := gateFor(strings.ToUpper(method), route); !ok {
				continue
			}
			gated++
			if _, ok := op.Responses["403"]; !ok {
				missing = append(missing, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 || gated < 50 {
		t.Fatalf("%d gated operations; these do not document their 403: %v", gated, missing)
	}
}
