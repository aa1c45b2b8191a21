package main

import (
	"fmt"
	"strings"
	"testing"

	"liaison/service"
)

// TestControlCharactersRefusedOverHTTP: NUL and other controls, bidi overrides and text made
// only of invisible characters are refused with a 400 on the field (code invalid) and stored
// nowhere; line feeds and tabs stay allowed in multi-line content.
func TestControlCharactersRefusedOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("控制字符联络站", "440106003000")
	ts.Seed.Deputy("郑代表", service.DeputyActive, []int64{st}, "traffic")
	res := ts.login("control-chars-resident")
	adm := adminLogin(t, ts, "ctrl-admin", "440000")

	wantInvalid := func(name string, status int, raw []byte, field string) {
		t.Helper()
		b := decodeJSON(t, raw)
		e, _ := b["error"].(map[string]any)
		if status != 400 || !strings.Contains(fmt.Sprint(e["fields"]), "code:invalid field:"+field+" ") {
			t.Errorf("%s: want 400 invalid on %s, got %d %s", name, field, status, raw)
		}
	}
	for i, tc := range []struct{ name, field, value string }{
		{"NUL in title", "title", "路灯\x00坏了"},
		{"C1 control in title", "title", "路灯\u0085坏了"},
		{"line feed in title", "title", "路灯\n坏了"},
		{"zero-width title", "title", "\u200b\u200b"},
		{"bidi override title", "title", "\u202e"},
		{"zero-width and bidi title", "title", "\u200b\u202e\u200b"},
		{"NUL in content", "content", "小区门口的路灯坏了很久，\x00晚上出行很不方便。"},
		{"bidi override in contact name", "contact.name", "王\u202e明"},
	} {
		body := opinionBody(st, "路灯坏了")
		switch tc.field {
		case "contact.name":
			body["contact"] = map[string]any{"name": tc.value, "phone": "13912348765"}
		default:
			body[tc.field] = tc.value
		}
		status, _, raw := rawCall(t, ts, "POST", "/api/v1/opinions", res, fmt.Sprintf("ctrl-%d", i), body)
		wantInvalid(tc.name, status, raw, tc.field)
	}
	var n int
	if err := ts.App.DB.X.Get(&n, "SELECT COUNT(*) FROM opinions"); err != nil || n != 0 {
		t.Errorf("opinions stored after refused input: %d (%v)", n, err)
	}

	// Multi-line content keeps its line feeds and tabs; a CRLF is stored as LF.
	ok := submitOpinion(t, ts, res, "ctrl-ok", withChanges(opinionBody(st, "路灯坏了"),
		map[string]any{"content": "第一行：小区门口的路灯坏了很久。\r\n第二行：\t晚上出行很不方便。"}), 201)
	got := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", ok["id"]), res, nil)
	if got["content"] != "第一行：小区门口的路灯坏了很久。\n第二行：\t晚上出行很不方便。" {
		t.Errorf("multi-line content stored as %q", got["content"])
	}

	// The same check holds in the other areas: a bidi override inside a deputy's name.
	status, _, raw := rawCall(t, ts, "POST", "/api/v1/admin/deputies", adm, "", map[string]any{"name": "陈\u202e代表", "level": "city",
		"phone": "13912345670", "station_ids": []int64{st}})
	wantInvalid("bidi override in a deputy's name", status, raw, "name")
	status, _, raw = rawCall(t, ts, "POST", "/api/v1/admin/units", adm, "", map[string]any{"name": "交通局\x00", "region_code": "440106"})
	wantInvalid("NUL in a unit's name", status, raw, "name")
}
