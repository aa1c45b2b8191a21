package study

import (
	"bytes"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// The body is Markdown rendered to HTML for the mini-program's rich-text component. Raw HTML in
// the Markdown is passed through to the sanitizer, which is the one gate: it keeps the tags of
// user-generated content and strips scripts, styles, event handler attributes and links to
// anything but http, https and mailto.
var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	policy   = bluemonday.UGCPolicy()
)

// RenderBody renders Markdown to sanitized HTML.
func RenderBody(md string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}
