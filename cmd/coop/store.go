package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/demo"
	"github.com/coopterm/coop/backend/local"
)

// openStore opens the store the flags name, behind the access layer (see
// guard). With --demo it first fills the demo store, once. write says the
// command is about to change the store, which needs an initialised one.
// A command's store checks its bucket only when a request fails (a round
// trip saved on every command); the server's checks it at start.
func (a *app) openStore(ctx context.Context, write bool) (*access.Store, error) {
	store, err := a.open(ctx, write, true)
	if err != nil {
		return nil, err
	}
	return a.guard(ctx, store)
}

// openBase opens the store itself, for the SSH server (which puts each
// session behind its own access layer).
func (a *app) openBase(ctx context.Context, write bool) (backend.Store, error) {
	return a.open(ctx, write, false)
}

// open opens the store the flags name; lazy defers the bucket check of
// an AWS store to the first failure.
func (a *app) open(ctx context.Context, write, lazy bool) (backend.Store, error) {
	var (
		store backend.Store
		err   error
	)
	switch a.opts.backend {
	case "local":
		var root string
		if root, err = a.opts.storageRoot(a.getenv); err != nil {
			return nil, err
		}
		if write || a.opts.demo {
			if err := os.MkdirAll(root, 0o755); err != nil {
				return nil, fmt.Errorf("storage root %s: %w", root, err)
			}
		}
		var opts []local.Option
		if a.opts.demo {
			opts = append(opts, local.WithoutObjectSync()) // demo data can be made again
		}
		store, err = local.Open(root, opts...)
	case "aws":
		store, err = aws.Open(ctx, aws.Config{
			Bucket:            a.opts.bucket,
			Region:            a.opts.region,
			Profile:           a.opts.profile,
			EndpointURL:       a.opts.endpointURL,
			DynamoDBEndpoint:  a.opts.dynamoEndpoint,
			PathStyle:         a.opts.pathStyle,
			AccountsTable:     a.opts.accountsTable,
			RepositoriesTable: a.opts.repositoriesTable,
			SSE:               a.opts.sse,
			LazyBucketCheck:   lazy,
			PreDial:           a.dial,
			Dialer:            a.takeEarly(),
			CABundle:          a.getenv("AWS_CA_BUNDLE"),
		})
	default:
		return nil, usagef("--backend must be local or aws, not %q", a.opts.backend)
	}
	if err != nil {
		return nil, err
	}
	if a.opts.demo && !a.completing {
		if err := a.ensureDemo(ctx, store); err != nil {
			store.Close()
			return nil, fmt.Errorf("demo store: %w", err)
		}
	}
	return store, nil
}

// takeEarly hands the connections dialed before the command line was
// parsed to the store being opened, once.
func (a *app) takeEarly() *aws.PreDialer {
	d := a.early
	a.early = nil
	return d
}

// ensureDemo fills the demo store unless a marker says a previous run
// finished doing so (local stores only; other stores are checked entry by
// entry, which Populate does anyway).
func (a *app) ensureDemo(ctx context.Context, store backend.Store) error {
	var marker string
	if a.opts.backend == "local" {
		root, _ := a.opts.storageRoot(a.getenv)
		marker = filepath.Join(root, ".coop", "demo-complete")
		if _, err := os.Stat(marker); err == nil {
			return nil
		}
	}
	start := time.Now()
	fmt.Fprintln(a.stderr, "coop: creating the demo store (first run only)…")
	err := demo.Populate(ctx, store, demo.Options{Progress: func(msg string) {
		fmt.Fprintf(a.stderr, "coop: %s\n", msg)
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "coop: demo store ready at %s in %s\n", store.Location(), time.Since(start).Round(time.Millisecond))
	if marker != "" {
		return os.WriteFile(marker, []byte(start.UTC().Format(time.RFC3339)+"\n"), 0o644)
	}
	return nil
}
