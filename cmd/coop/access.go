package main

import (
	"context"
	"fmt"
	"os/user"
	"path/filepath"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/internal/safe"
)

// guard puts the access layer in front of store: every command acts as the
// machine's owner, or as --as ACCOUNT, and its writes go to the audit log.
// Closing the result closes store and the log.
func (a *app) guard(ctx context.Context, store backend.Store) (*access.Store, error) {
	who, err := a.principal(ctx, store)
	if err != nil {
		store.Close()
		return nil, err
	}
	path, err := a.auditPath()
	if err != nil {
		store.Close()
		return nil, err
	}
	log := audit.Open(path, a.auditWarning)
	return access.New(store, who, access.WithAudit(log), access.ClosingBase(), access.ClosingAudit(log)), nil
}

// principal is who the command acts as: --as ACCOUNT (which must exist),
// --as anonymous, or by default the machine's owner.
func (a *app) principal(ctx context.Context, store backend.Store) (access.Principal, error) {
	switch a.opts.as {
	case "":
		return access.Owner(a.localUser()), nil
	case "anonymous":
		return access.Anonymous("local"), nil
	}
	if err := backend.ValidateID("account", a.opts.as); err != nil {
		return access.Principal{}, usagef("--as: %v", err)
	}
	if _, err := store.FindAccount(ctx, a.opts.as); err != nil {
		return access.Principal{}, fmt.Errorf("--as: %w", backend.WithSubject("account "+a.opts.as, err))
	}
	return access.AsAccount(a.opts.as, "local"), nil
}

// localUser names the operating-system user for the audit log.
func (a *app) localUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := a.getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// auditPath is --audit-log, or audit.log in the data folder.
func (a *app) auditPath() (string, error) {
	if a.opts.auditLog != "" {
		return a.opts.auditLog, nil
	}
	return a.dataFile("audit.log")
}

// dataDir is where coop keeps its own files for the store (audit log,
// host key): inside the local storage root, next to the catalog, or the
// XDG data folder for other backends.
func (a *app) dataDir() (string, error) {
	if a.opts.backend == "local" {
		root, err := a.opts.storageRoot(a.getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(root, local.StateDir), nil
	}
	base := a.getenv("XDG_DATA_HOME")
	if base == "" {
		home := a.getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("no XDG_DATA_HOME or HOME for coop's data folder; give --audit-log and --host-key")
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "coop"), nil
}

// auditWarning reports an event the audit log could not take.
func (a *app) auditWarning(err error) {
	fmt.Fprintf(a.stderr, "coop: warning: %s\n", safe.Text(err.Error()))
}
