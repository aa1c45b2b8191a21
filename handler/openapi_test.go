package handler

import (
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

func TestMergeOpenAPIRefusesConflictingFragments(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"openapi/00-base.yaml": {Data: []byte("openapi: 3.0.3\npaths:\n  /a:\n    get: {summary: a}\n")},
		"openapi/10-b.yaml":    {Data: []byte("paths:\n  /b:\n    get: {summary: b}\n")},
	}
	if _, err := mergeOpenAPI(fsys); err != nil {
		t.Fatalf("disjoint fragments must merge: %v", err)
	}
	fsys["openapi/20-c.yaml"] = &fstest.MapFile{Data: []byte("paths:\n  /a:\n    get: {summary: other}\n")}
	if _, err := mergeOpenAPI(fsys); err == nil {
		t.Fatal("two fragments defining the same operation must be refused")
	}
}

func TestMergeOpenAPIJoinsTheTagsOfFragments(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"openapi/00-base.yaml": {Data: []byte("openapi: 3.0.3\ntags:\n  - {name: A}\n")},
		"openapi/10-b.yaml":    {Data: []byte("tags:\n  - {name: B}\npaths: {}\n")},
	}
	out, err := mergeOpenAPI(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags []struct{ Name string } `yaml:"tags"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tags) != 2 || doc.Tags[0].Name != "A" || doc.Tags[1].Name != "B" {
		t.Fatalf("tags = %+v, want A then B", doc.Tags)
	}
}

// TestOpenAPIOperationsAreComplete checks what the linters leave to taste: every operation has
// a unique operationId, tags and a security statement (public ones say `security: []`), and every
// response with a body has a schema.
func TestOpenAPIOperationsAreComplete(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `yaml:"operationId"`
			Tags        []string `yaml:"tags"`
			Security    *[]any   `yaml:"security"`
			Responses   map[string]struct {
				Ref     string `yaml:"$ref"`
				Content map[string]struct {
					Schema any `yaml:"schema"`
				} `yaml:"content"`
			} `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q is also %s's", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tags", where)
			}
			if op.Security == nil {
				t.Errorf("%s: no security (public operations say `security: []`)", where)
			}
			for status, resp := range op.Responses {
				if resp.Ref != "" || status == "204" || strings.HasPrefix(status, "3") {
					continue
				}
				if len(resp.Content) == 0 {
					t.Errorf("%s: response %s has no content", where, status)
				}
				for ct, media := range resp.Content {
					if media.Schema == nil {
						t.Errorf("%s: response %s %s has no schema", where, status, ct)
					}
				}
			}
		}
	}
}
