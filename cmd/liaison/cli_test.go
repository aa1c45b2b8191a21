package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liaison/service"
)

// cli runs the command line in process, as main does, and returns what it printed and its error
// (nil: exit status 0).
func cli(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = runTo(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// hasChinese reports whether s has Han characters.
func hasChinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
}

func TestHelpDescribesEveryCommandAndExitsZero(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out, _, err := cli(args...)
		if err != nil {
			t.Fatalf("liaison %v: %v", args, err)
		}
		for _, want := range []string{"serve", "migrate", "user create", "--help", "README.md", "Configuration", "配置表", "启动 HTTP 服务", "数据库迁移", "创建控制台账号"} {
			if !strings.Contains(out, want) {
				t.Errorf("liaison %v does not say %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "-h"}, {"migrate", "--help"}, {"user", "create", "--help"}, {"user", "--help"}} {
		out, _, err := cli(args...)
		if err != nil {
			t.Fatalf("liaison %v: want exit 0, got %v", args, err)
		}
		if !strings.Contains(out, "用法：liaison "+args[0]) || !strings.Contains(out, "README.md") || !hasChinese(out) {
			t.Errorf("liaison %v:\n%s", args, out)
		}
	}
	if out, _, _ := cli("serve", "--help"); !strings.Contains(out, "--demo") || !strings.Contains(out, "--config 值") {
		t.Errorf("serve --help does not list its flags:\n%s", out)
	}

	// Mistakes: a Chinese message, a non-zero exit, and the usage to stderr.
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "缺少命令"},
		{[]string{"serve-all"}, "未知命令"},
		{[]string{"user", "delete"}, "user create"},
		{[]string{"serve", "--port", "80"}, "未知参数 -port"},
		{[]string{"user", "create", "--username"}, "参数 -username 需要一个值"},
		{[]string{"migrate", "extra"}, "多余的参数"},
		{[]string{"user", "create", "--username", "x1", "--password", "p", "--role", "mayor"}, "--role \"mayor\" 无效"},
		{[]string{"user", "create", "--username", "x1", "--password", "p", "--role", "station_manager", "--scope-kind", "unit", "--scope-id", "1"}, "--scope-kind station"},
	} {
		_, _, err := cli(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !hasChinese(err.Error()) {
			t.Errorf("liaison %v: want an error saying %q, got %v", c.args, c.want, err)
		}
	}
}

// TestUserCreateChecksWhatItNames runs `user create` against a server's database: a station,
// unit or region that does not exist, and a username taken, are one clear Chinese line each.
func TestUserCreateChecksWhatItNames(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	ts := startServer(t, cfg)
	st := ts.Seed.Station("甲街道联络站", "440106001000")
	unit := ts.Seed.Unit("甲街道办", "440106001000")
	file := filepath.Join(t.TempDir(), "liaison.yaml")
	yaml := fmt.Sprintf("env: test\ndata_dir: %q\ndb_driver: %q\ndb_dsn: %q\nfake_wechat_url: %q\nlog_level: error\n",
		cfg.DataDir, cfg.DBDriver, cfg.DBDSN, fake.URL())
	if cfg.RedisAddr != "" {
		yaml += fmt.Sprintf("redis_addr: %q\nredis_prefix: %q\n", cfg.RedisAddr, cfg.RedisPrefix)
	}
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprint("cli-", time.Now().UnixNano())
	create := func(username, role, kind, id string) (string, error) {
		args := []string{"user", "create", "--config", file, "--username", username, "--password", "cli-password-1", "--role", role}
		if kind != "" {
			args = append(args, "--scope-kind", kind, "--scope-id", id)
		}
		out, _, err := cli(args...)
		return out, err
	}
	for _, c := range []struct {
		role, kind, id, want string
	}{
		{"station_manager", "station", "999999", "--scope-id：联络站不存在"},
		{"station_manager", "station", "abc", "--scope-id：联络站不存在"},
		{"unit_staff", "unit", "999999", "--scope-id：承办单位不存在"},
		{"admin", "region", "440199", "--scope-id：行政区划不存在"},
	} {
		_, err := create(name, c.role, c.kind, c.id)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "create") {
			t.Errorf("%s at %s %s: want %q, got %v", c.role, c.kind, c.id, c.want, err)
		}
	}
	out, err := create(name, "station_manager", "station", fmt.Sprint(st))
	if err != nil || !strings.Contains(out, "已创建账号 "+name) {
		t.Fatalf("create a manager: %v %s", err, out)
	}
	if _, err := create(name, "unit_staff", "unit", fmt.Sprint(unit)); err == nil || err.Error() != "用户名 "+name+" 已被使用，请换一个" {
		t.Fatalf("a taken username: %v", err)
	}
	if _, err := create(name+"-u", "unit_staff", "unit", fmt.Sprint(unit)); err != nil {
		t.Fatalf("create unit staff: %v", err)
	}
	if _, err := create(name+"-a", "admin", "region", "440106"); err != nil {
		t.Fatalf("create a district admin: %v", err)
	}
	if _, err := create(name+"-b", "admin", "", ""); err != nil {
		t.Fatalf("create the bootstrap admin: %v", err)
	}
	if _, err := create(name+"-p", "admin", "region", "440106"); err != nil {
		t.Fatalf("create a second admin: %v", err)
	}
	// The accounts log in, with the grants named.
	tok := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": name, "password": "cli-password-1"})["token"].(string)
	if got := ts.must(200, "GET", "/api/v1/me", tok, nil); fmt.Sprint(got["scopes"]) != fmt.Sprintf("[map[role:%s scope_id:%d scope_kind:station]]", service.RoleStationManager, st) {
		t.Fatalf("the manager created from the shell: %v", got)
	}
	args := []string{"user", "create", "--config", file, "--username", name + "-x", "--password", "short", "--role", "admin"}
	if _, _, err := cli(args...); err == nil || err.Error() != "--password：密码至少 10 位" {
		t.Fatalf("a short password: %v", err)
	}
}
