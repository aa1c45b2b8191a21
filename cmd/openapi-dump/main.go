// Command openapi-dump writes the merged OpenAPI document (handler/openapi/*.yaml, as served at
// /openapi.yaml) to standard output, for the third-party linters of scripts/lint-openapi.sh.
package main

import (
	"os"

	"liaison/handler"
)

func main() {
	if _, err := os.Stdout.Write(handler.OpenAPI); err != nil {
		os.Exit(1)
	}
}
