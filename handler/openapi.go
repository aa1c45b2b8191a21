package handler

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

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
	return yaml.Marshal(doc)
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
