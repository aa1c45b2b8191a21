package study

import (
	"strings"
	"testing"
)

func TestRenderBodyStripsInjection(t *testing.T) {
	t.Parallel()
	md := "# 学习要点\n\n**一要点**、三计划\n\n<script>alert('x')</script>\n\n" +
		"<img src=\"https://example.com/a.png\" onerror=\"alert(1)\">\n\n" +
		"[点击](javascript:alert(1)) 和 <a href=\"javascript:alert(2)\">这里</a>\n\n<style>body{display:none}</style>\n\n" +
		"[人大网](https://www.npc.gov.cn/)\n"
	out, err := RenderBody(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "alert(", "onerror", "javascript:", "<style", "display:none"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("rendered body keeps %q: %s", bad, out)
		}
	}
	for _, good := range []string{"<h1", "学习要点", "<strong>一要点</strong>", `<img src="https://example.com/a.png"`, `href="https://www.npc.gov.cn/"`} {
		if !strings.Contains(out, good) {
			t.Errorf("rendered body lost %q: %s", good, out)
		}
	}
}
