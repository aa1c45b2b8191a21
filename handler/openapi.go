package handler

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The API description is kept in fragments, one per area (openapi/*.yaml), so areas can grow
// without editing one shared file; 00-base.yaml holds info and the shared components. They are
// merged once at start-up into the document served at /openapi.yaml.
//
//go:embed openapi/*.yaml
var openapiFS embed.FS

// OpenAPI is the merged document.
var OpenAPI = mustMergeOpenAPI()

func mustMergeOpenAPI() []byte {
	out, err := mergeOpenAPI(openapiFS)
	if err != nil {
		panic(err)
	}
	return out
}

func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	doc := map[string]any{}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := yaml.Unmarshal(raw, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// The top-level tags are a list: a fragment may add the tags of its area.
		if tags, ok := frag["tags"].([]any); ok {
			have, _ := doc["tags"].([]any)
			doc["tags"] = append(have, tags...)
			delete(frag, "tags")
		}
		if err := mergeInto(doc, frag, name); err != nil {
			return nil, err
		}
	}
	addCommonResponses(doc)
	return yaml.Marshal(doc)
}

// addCommonResponses documents, on every API operation, the answers that come from the router's
// middleware rather than from the operation: a missing, expired or revoked token is 401 even on
// the public routes (a client with a broken token must learn it); the per-minute limit is 429
// everywhere; a body over the limit is 413; a logged-in caller who must first change their
// password, or whose role may never use the route, is 403; an unreachable database or Redis is
// 503 with Retry-After. Fragments may still describe them more precisely.
func addCommonResponses(doc map[string]any) {
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for method, op := range ops {
			o, ok := op.(map[string]any)
			if !ok {
				continue
			}
			codes := []string{"401", "429", "503"}
			if method == "post" || method == "put" || method == "patch" {
				codes = append(codes, "413")
			}
			if sec, ok := o["security"].([]any); !ok || len(sec) > 0 {
				codes = append(codes, "403")
			}
			responses, _ := o["responses"].(map[string]any)
			if responses == nil {
				continue
			}
			for _, code := range codes {
				if _, ok := responses[code]; !ok {
					responses[code] = map[string]any{"$ref": "#/components/responses/Error"}
				}
			}
		}
	}
}

// mergeInto merges maps recursively; the same leaf defined twice is an error, so two fragments
// cannot silently disagree about one path or schema.
func mergeInto(dst, src map[string]any, where string) error {
	for k, v := range src {
		cur, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		cm, ok1 := cur.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("openapi: %s redefines %q", where, k)
		}
		if err := mergeInto(cm, vm, where); err != nil {
			return err
		}
	}
	return nil
}
