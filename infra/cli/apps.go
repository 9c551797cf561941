package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/store"
)

const appsUsage = `usage:
  baoxiao apps create --name NAME   add an ERP client; prints its app id and secret (shown once)
  baoxiao apps list                 every app, revoked ones too
  baoxiao apps revoke APP_ID        refuse the app's calls from now on`

// runApps is `baoxiao apps …`: the open API's ERP clients (DECISIONS 1,
// 18), on the configured database (migrated first, as serve does).
func runApps(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errors.New(withProg(appsUsage))
	}
	db, m, err := OpenDB(ctx, env.Cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	api, err := openAPIOn(env.Cfg, db)
	if err != nil {
		return err
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "create":
		name, err := nameFlag(rest)
		if err != nil {
			return err
		}
		return CreateApp(ctx, api, name, env.Stdout)
	case "list":
		if len(rest) != 0 {
			return errors.New(withProg(appsUsage))
		}
		return ListApps(ctx, api, env.Stdout)
	case "revoke":
		if len(rest) != 1 {
			return errors.New(withProg(appsUsage))
		}
		if err := api.RevokeApp(ctx, rest[0]); err != nil {
			return fmt.Errorf("revoke %s: %w", rest[0], err)
		}
		fmt.Fprintf(env.Stdout, "revoked %s: its calls are refused from now on\n", rest[0])
		return nil
	}
	return errors.New(withProg(appsUsage))
}

// nameFlag reads --name NAME or --name=NAME.
func nameFlag(args []string) (string, error) {
	for i := 0; i < len(args); i++ {
		a := strings.TrimPrefix(args[i], "-")
		switch {
		case a == "-name" || a == "name":
			if i+1 < len(args) {
				return args[i+1], nil
			}
		case strings.HasPrefix(a, "-name=") || strings.HasPrefix(a, "name="):
			_, v, _ := strings.Cut(a, "=")
			return v, nil
		}
	}
	return "", errors.New("apps create: --name NAME is required\n" + withProg(appsUsage))
}

// openAPIOn builds the open-API service on db, with secrets sealed under
// auth.data_key.
func openAPIOn(cfg *config.Config, db bun.IDB) (*app.OpenAPI, error) {
	box, err := store.NewSecretBox(cfg.Auth.DataKey.Reveal())
	if err != nil {
		return nil, err
	}
	return app.NewOpenAPI(store.NewApps(db), box, store.NewNonces(db), store.NewIdempotency(db), store.NewCallLog(db), app.SystemClock{}), nil
}

// CreateApp adds an app and prints its credentials, the secret this once.
func CreateApp(ctx context.Context, api *app.OpenAPI, name string, out io.Writer) error {
	a, secret, err := api.CreateApp(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "app_id: %s\nsecret: %s\n\nThe secret is shown this once; baoxiao keeps it encrypted with auth.data_key.\n", a.ID, secret)
	return nil
}

// ListApps prints the apps as a table.
func ListApps(ctx context.Context, api *app.OpenAPI, out io.Writer) error {
	apps, err := api.Apps(ctx)
	if err != nil {
		return err
	}
	w := newTable(out, "APP_ID", "NAME", "CREATED", "STATUS")
	for _, a := range apps {
		status := "active"
		if !a.Active() {
			status = "revoked " + a.RevokedAt.In(app.Shanghai).Format(time.DateTime)
		}
		w.row(a.ID, a.Name, a.CreatedAt.In(app.Shanghai).Format(time.DateTime), status)
	}
	return w.flush()
}
