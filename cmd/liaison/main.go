// Command liaison is the 连心桥 server: `serve` runs it, `migrate` applies migrations, and
// `user create` bootstraps console accounts.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"liaison/config"
	"liaison/repo"
	"liaison/service"
)

const usage = `usage:
  liaison serve [--config file.yaml] [--demo]
  liaison migrate [--config file.yaml]
  liaison user create --username NAME --password PASS --role ROLE [--scope-kind station|unit|region --scope-id ID] [--config file.yaml]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "liaison:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("missing command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:])
	case "migrate":
		return migrate(ctx, args[1:])
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return fmt.Errorf("unknown user command; try: liaison user create")
		}
		return userCreate(ctx, args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func loadConfig(path string) (config.Config, error) {
	return config.Load(path, os.Getenv)
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML config file")
	demo := fs.Bool("demo", false, "seed a small demo region and print how to log in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	opts := Options{LogOutput: os.Stdout}
	if cfg.PprofAddr != "" {
		// Counting statements is part of the debug listener: off unless profiling is asked for.
		opts.Statements = &repo.StatementCounts{}
	}
	app, err := NewApp(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer app.Close()
	if *demo && cfg.Production() {
		return fmt.Errorf("--demo creates accounts with published passwords and is refused with LIAISON_ENV=production")
	}
	if *demo {
		if err := seedDemo(ctx, app, os.Stdout, demoBaseURL(cfg.HTTPAddr)); err != nil {
			return fmt.Errorf("demo: %w", err)
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
		return fmt.Errorf("LIAISON_HTTP_ADDR: %w", err)
	}
	return app.Serve(ctx, ln)
}

func migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML config file")
	if err := fs.Parse(args); err != nil {
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
	fmt.Println("migrations applied")
	return nil
}

func userCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML config file")
	username := fs.String("username", "", "login name")
	password := fs.String("password", "", "password (at least 10 characters)")
	role := fs.String("role", "", "admin, station_manager, unit_staff, deputy or resident")
	scopeKind := fs.String("scope-kind", "", "station, unit or region")
	scopeID := fs.String("scope-id", "", "the station ID, unit ID or region code")
	if err := fs.Parse(args); err != nil {
		return err
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
	u, err := app.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: *username, Password: *password,
		Grants: []service.Grant{{Role: service.Role(*role), ScopeKind: *scopeKind, ScopeID: *scopeID}}})
	if err != nil {
		var se *service.Error
		if ok := asServiceError(err, &se); ok && len(se.Fields) > 0 {
			var msgs []string
			for _, f := range se.Fields {
				msgs = append(msgs, f.Field+": "+f.Message)
			}
			return fmt.Errorf("%s", strings.Join(msgs, "; "))
		}
		return err
	}
	fmt.Printf("created user %s (id %d)\n", u.Username, u.ID)
	return nil
}
