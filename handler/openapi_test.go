package handler

import (
	"testing"
	"testing/fstest"
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
