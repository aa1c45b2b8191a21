// Command bench measures the server against a bare gin + sqlx baseline on the same database, in
// one run (issue 10): it seeds a network straight into the database, starts the real server and
// the baseline as child processes, drives both with vegeta, counts the statements a request
// runs, and writes bench/results.json and the generated part of docs/BENCHMARKS.md.
//
//	bench run [-scale short|default|province] [-backends mysql,sqlite] ...
//	bench baseline -driver D -dsn DSN -addr 127.0.0.1:PORT   (started by run)
//
// It fails only when a request got a wrong answer, never on speed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench run [flags] | bench baseline -driver D -dsn DSN -addr A")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "baseline":
		fs := flag.NewFlagSet("baseline", flag.ExitOnError)
		driver := fs.String("driver", "sqlite", "sqlite or mysql")
		dsn := fs.String("dsn", "", "database DSN, as the server gets it")
		addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
		_ = fs.Parse(os.Args[2:])
		err = runBaseline(*driver, *dsn, *addr)
	case "run":
		err = runBench(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
