package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"liaison/service"
)

func asServiceError(err error, target **service.Error) bool { return errors.As(err, target) }

// seedDemo creates demo accounts (and, as the network grows, a demo region) idempotently and
// prints how to log in.
func seedDemo(ctx context.Context, app *App, out io.Writer) error {
	accounts := []struct {
		user, pass string
		grant      service.Grant
	}{
		{"admin", "demo-admin-2026", service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440100"}},
	}
	for _, acc := range accounts {
		_, err := app.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: acc.user, Password: acc.pass, Grants: []service.Grant{acc.grant}})
		if err != nil && !errors.Is(err, service.ErrConflict) {
			return err
		}
	}
	fmt.Fprintln(out, "demo data ready:")
	for _, acc := range accounts {
		fmt.Fprintf(out, "  %-16s POST /api/v1/auth/password {\"username\":%q,\"password\":%q}\n", acc.grant.Role, acc.user, acc.pass)
	}
	fmt.Fprintln(out, "  resident         POST /api/v1/auth/wechat/login {\"code\":\"any-code\"} (the built-in fake WeChat gives openid dev-<code>)")
	return nil
}
