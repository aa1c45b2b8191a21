// Command liaison is the 连心桥 server: `serve` runs it, `migrate` applies migrations, and
// `user create` bootstraps console accounts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"liaison/config"
	"liaison/repo"
	"liaison/service"
	"liaison/service/network"
)

// Messages to the operator are in Chinese, like the API's.
const usage = `连心桥（liaison）：网上人大代表联络站的后端服务。

用法：
  liaison <命令> [参数]

命令：
  serve        启动 HTTP 服务。启动时自动执行数据库迁移；SIGTERM 后等待进行中的请求结束再退出。
               加 --demo 时另建演示账号并打印登录方法（生产环境拒绝）。
  migrate      只执行数据库迁移，然后退出（适合作为发布步骤）。
  user create  创建控制台账号：管理员、联络站站长、承办单位工作人员等，用于初始化。
  help         显示本帮助。

每个命令都可加 --help 查看自己的参数，例如：liaison serve --help

配置：环境变量 LIAISON_*，或用 --config 指定 YAML 文件（键名相同，小写并去掉 LIAISON_ 前缀，
例如 http_addr: ":9000"）。全部配置项、默认值和含义见 README.md 的“Configuration”一节（配置表）。
不加任何配置即可在本机运行：SQLite 数据存于 ./data，内置假的微信接口。
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "liaison:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error { return runTo(ctx, args, os.Stdout, os.Stderr) }

// runTo runs one command, writing what it prints to stdout (help included) and usage hints
// after a mistake to stderr. A nil error is exit status 0.
func runTo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("缺少命令")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "user":
		if len(args) >= 2 && isHelp(args[1]) {
			return userCreate(ctx, []string{"--help"}, stdout)
		}
		if len(args) < 2 || args[1] != "create" {
			_ = userCreate(ctx, []string{"--help"}, stderr)
			return errors.New("未知的 user 子命令，可用：liaison user create")
		}
		return userCreate(ctx, args[2:], stdout)
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("未知命令 %q", args[0])
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// flags is one command's flag set, described in Chinese.
type flags struct {
	*flag.FlagSet
	usage string // the command line and what it does
}

func newFlags(name, usage string) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and help are printed here, in Chinese
	return flags{FlagSet: fs, usage: usage}
}

// parse reads args; asked for help, it prints the command's help to out and reports done.
func (f flags) parse(args []string, out io.Writer) (done bool, err error) {
	err = f.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(out, f.help())
		return true, nil
	case err != nil:
		return true, fmt.Errorf("%s\n%s", flagError(err), f.help())
	case f.NArg() > 0:
		return true, fmt.Errorf("多余的参数 %q\n%s", f.Arg(0), f.help())
	}
	return false, nil
}

func (f flags) help() string {
	var b strings.Builder
	b.WriteString(f.usage)
	b.WriteString("\n参数：\n")
	f.VisitAll(func(fl *flag.Flag) {
		name := "--" + fl.Name
		if _, isBool := fl.Value.(interface{ IsBoolFlag() bool }); !isBool {
			name += " 值"
		}
		fmt.Fprintf(&b, "  %-18s %s\n", name, fl.Usage)
	})
	b.WriteString("\n配置项见 README.md 的“Configuration”一节（配置表）。\n")
	return b.String()
}

// flagError says in Chinese what the flag package found wrong.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "未知参数 " + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "参数 " + name + " 需要一个值"
	}
	return "参数有误：" + msg
}

func loadConfig(path string) (config.Config, error) {
	cfg, err := config.Load(path, os.Getenv)
	if err != nil {
		return cfg, fmt.Errorf("配置有误（配置项见 README.md 的配置表）：%w", err)
	}
	return cfg, nil
}

const configFlagUsage = "YAML 配置文件（可选；同名的环境变量 LIAISON_* 优先）"

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("serve", `用法：liaison serve [--config 文件.yaml] [--demo]

启动 HTTP 服务（监听 LIAISON_HTTP_ADDR，默认 :8080）。启动时执行数据库迁移；/metrics 在
LIAISON_METRICS_ADDR 单独监听。收到 SIGTERM 或 Ctrl-C 后不再接受新请求，等待进行中的请求
结束（最长 LIAISON_SHUTDOWN_TIMEOUT），再停止后台任务。
`)
	cfgPath := fs.String("config", "", configFlagUsage)
	demo := fs.Bool("demo", false, "创建演示账号并打印登录方法（LIAISON_ENV=production 时拒绝）")
	if done, err := fs.parse(args, stdout); done {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *demo && cfg.Production() {
		return errors.New("--demo 会创建公开密码的账号，LIAISON_ENV=production 时拒绝使用")
	}
	opts := Options{LogOutput: stdout}
	if cfg.PprofAddr != "" {
		// Counting statements is part of the debug listener: off unless profiling is asked for.
		opts.Statements = &repo.StatementCounts{}
	}
	app, err := NewApp(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer app.Close()
	if *demo {
		if err := seedDemo(ctx, app, stdout, demoBaseURL(cfg.HTTPAddr)); err != nil {
			return fmt.Errorf("创建演示数据失败：%w", err)
		}
	}
	if cfg.MetricsEnabled() {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, app.Metrics, app.Log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, app.Log, opts.Statements)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("无法监听 LIAISON_HTTP_ADDR：%w", err)
	}
	return app.Serve(ctx, ln)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("migrate", `用法：liaison migrate [--config 文件.yaml]

执行内嵌的数据库迁移（SQLite 或 MySQL，见 LIAISON_DB_DRIVER），然后退出。多个实例同时启动时，
MySQL 命名锁保证只迁移一次；发布时可先单独运行本命令。
`)
	cfgPath := fs.String("config", "", configFlagUsage)
	if done, err := fs.parse(args, stdout); done {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	app, err := NewApp(ctx, cfg, Options{}) // NewApp migrates
	if err != nil {
		return err
	}
	app.Close()
	fmt.Fprintln(stdout, "数据库迁移已完成")
	return nil
}

const userCreateUsage = `用法：liaison user create --username 用户名 --password 密码 --role 角色
                           [--scope-kind station|unit|region --scope-id 编号] [--config 文件.yaml]

创建一个用密码登录的控制台账号。角色与范围：
  admin            人大工委管理员：--scope-kind region --scope-id 区划代码（6、9 或 12 位）；
                   不加范围则管理全部地区（仅用于初始化第一个账号）
  station_manager  联络站站长：--scope-kind station --scope-id 联络站编号
  unit_staff       承办单位工作人员：--scope-kind unit --scope-id 单位编号
所指的联络站、单位或行政区划必须已经存在。
`

// scopeKinds is the scope each console role takes.
var scopeKinds = map[service.Role]string{
	service.RoleAdmin:          service.ScopeRegion,
	service.RoleStationManager: service.ScopeStation,
	service.RoleUnitStaff:      service.ScopeUnit,
}

// cliFields names, for a service's field errors, the flag the operator typed.
var cliFields = map[string]string{
	"username": "--username", "password": "--password", "role": "--role", "scope": "--scope-kind",
	"station_ids": "--scope-id", "unit_id": "--scope-id", "region_code": "--scope-id",
}

func userCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("user create", userCreateUsage)
	cfgPath := fs.String("config", "", configFlagUsage)
	username := fs.String("username", "", "登录名：3-64 位字母、数字、下划线、点或横线")
	password := fs.String("password", "", "密码：至少 10 位")
	role := fs.String("role", "", "角色：admin、station_manager 或 unit_staff")
	scopeKind := fs.String("scope-kind", "", "范围类型：region、station 或 unit，须与角色相符")
	scopeID := fs.String("scope-id", "", "区划代码、联络站编号或单位编号")
	if done, err := fs.parse(args, stdout); done {
		return err
	}
	r := service.Role(*role)
	kind, ok := scopeKinds[r]
	switch {
	case *role == "":
		return errors.New("缺少 --role：admin、station_manager 或 unit_staff")
	case !ok:
		return fmt.Errorf("--role %q 无效，可用：admin、station_manager 或 unit_staff", *role)
	case *scopeKind == "" && *scopeID == "" && r == service.RoleAdmin:
		// The bootstrap admin, of every region.
	case *scopeKind != kind:
		return fmt.Errorf("角色 %s 须使用 --scope-kind %s", r, kind)
	case *scopeID == "":
		return errors.New("缺少 --scope-id")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	app, err := NewApp(ctx, cfg, Options{})
	if err != nil {
		return err
	}
	defer app.Close()
	var u *service.User
	if *scopeKind == "" {
		u, err = app.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: *username, Password: *password,
			Grants: []service.Grant{{Role: r}}})
	} else {
		// Through the network area, as an admin's request would go: it checks that the station,
		// unit or region exists.
		in := network.NewStaff{Username: *username, Password: *password, Role: r}
		switch r {
		case service.RoleAdmin:
			in.RegionCode = *scopeID
		case service.RoleStationManager:
			in.StationIDs = []int64{parseID(*scopeID)}
		case service.RoleUnitStaff:
			in.UnitID = parseID(*scopeID)
		}
		u, err = app.Network.CreateStaff(ctx, service.SystemActor, in)
	}
	if err != nil {
		return cliError(err, *username)
	}
	fmt.Fprintf(stdout, "已创建账号 %s（编号 %d，角色 %s）\n", u.Username, u.ID, r)
	return nil
}

// parseID reads a positive ID; anything else is 0, which no station or unit has.
func parseID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// cliError turns a service's refusal into one Chinese line naming the flags at fault, instead
// of the chain of wrapped errors.
func cliError(err error, username string) error {
	var se *service.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Code == "username_taken":
		return fmt.Errorf("用户名 %s 已被使用，请换一个", username)
	case len(se.Fields) > 0:
		var msgs []string
		for _, f := range se.Fields {
			name := cliFields[f.Field]
			if name == "" {
				name = f.Field
			}
			msgs = append(msgs, name+"："+f.Message)
		}
		return errors.New(strings.Join(msgs, "；"))
	}
	return errors.New(se.Message)
}
