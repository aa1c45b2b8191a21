package service_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"liaison/service"
)

// The house rules of the service layer, checked on the source (tests aside):
//   - the core (this package) imports no area package and none of gin, net/http, sqlx or
//     go-redis: adapters implement its interfaces, never the other way round;
//   - an area package imports the core and no other area: areas reach each other only
//     through small interfaces the wiring fills in;
//   - names carry no area prefix (opFoo, nwBar): the package is the namespace.

const module = "liaison"

var forbidden = []string{"github.com/gin-gonic/gin", "net/http", "github.com/jmoiron/sqlx", "github.com/redis/go-redis/v9", "database/sql"}

var prefixed = regexp.MustCompile(`^(op|nw)[A-Z]`)

func TestAreasImportOnlyTheCore(t *testing.T) {
	dirs := map[string]string{".": module + "/service"}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs[e.Name()] = module + "/service/" + e.Name()
		}
	}
	if len(dirs) < 5 {
		t.Fatalf("expected the core and its area packages, found %v", dirs)
	}
	for dir, pkg := range dirs {
		for _, f := range parseDir(t, dir) {
			name := f.Name.Name
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if path == bad {
						t.Errorf("%s imports %s: the service layer stays free of transport and storage", pkg, path)
					}
				}
				if !strings.HasPrefix(path, module+"/") {
					continue
				}
				switch {
				case dir == "." && path != pkg:
					t.Errorf("the core imports %s: the core holds no area's rules", path)
				case dir != "." && path != module+"/service":
					t.Errorf("area %s imports %s: areas reach each other through interfaces the wiring fills in", pkg, path)
				}
			}
			for _, d := range f.Decls {
				for _, id := range declNames(d) {
					area := strings.ToUpper(dir[:1]) + dir[1:] // opinion.OpinionStore
					if prefixed.MatchString(id) || (dir != "." && len(id) > len(area) && strings.HasPrefix(id, area) &&
						strings.ToUpper(id[len(area):len(area)+1]) == id[len(area):len(area)+1]) {
						t.Errorf("%s.%s (%s) carries an area prefix: the package is the namespace", name, id, dir)
					}
				}
			}
		}
	}
}

// TestNoAreaPrefixesOutsideTheServiceLayer: the HTTP layer, the stores and the wiring name
// things plainly too (stationJSON, not nwStationJSON).
func TestNoAreaPrefixesOutsideTheServiceLayer(t *testing.T) {
	for _, dir := range []string{"../handler", "../repo", "../cmd/liaison"} {
		for _, f := range parseDir(t, dir) {
			for _, d := range f.Decls {
				for _, id := range declNames(d) {
					if prefixed.MatchString(id) {
						t.Errorf("%s: %s carries an area prefix", dir, id)
					}
				}
			}
		}
	}
}

// TestFieldErrorsUseTheVocabulary reads every literal field error code the service and handler
// code write (Validator.Add and Check, FieldError literals) and checks it is one of
// service.FieldCodes.
func TestFieldErrorsUseTheVocabulary(t *testing.T) {
	dirs := []string{".", "../handler"}
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	found := 0
	for _, dir := range dirs {
		for _, f := range parseDir(t, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				var lit *ast.BasicLit
				switch n := n.(type) {
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					switch {
					case ok && sel.Sel.Name == "Add" && len(n.Args) == 3:
						lit, _ = n.Args[1].(*ast.BasicLit)
					case ok && sel.Sel.Name == "Check" && len(n.Args) == 4:
						lit, _ = n.Args[2].(*ast.BasicLit)
					}
				case *ast.CompositeLit:
					if sel, ok := n.Type.(*ast.SelectorExpr); (ok && sel.Sel.Name == "FieldError") || isIdent(n.Type, "FieldError") {
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Code") {
								lit, _ = kv.Value.(*ast.BasicLit)
							}
						}
					}
				}
				if lit == nil || lit.Kind != token.STRING {
					return true
				}
				found++
				code, _ := strconv.Unquote(lit.Value)
				if !slices.Contains(service.FieldCodes, code) {
					t.Errorf("%s (package %s): field error code %q is not one of %v", dir, f.Name.Name, code, service.FieldCodes)
				}
				return true
			})
		}
	}
	if found < 50 {
		t.Fatalf("found only %d field error codes: the scan no longer sees the calls", found)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*ast.File
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// declNames lists the names a top-level declaration introduces, methods included.
func declNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		out = append(out, d.Name.Name)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
	}
	return out
}
