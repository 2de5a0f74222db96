// Package migrate copies a whole store, or some of its accounts and
// repositories, to another store: catalog items with every attribute
// (keys and memberships live in them), every object streamed with its
// SHA-256 computed on the way, and each repository's metadata entries as
// they were written (ids, creation times, custom metadata, fields coop
// does not know). It is what `coop migrate` runs, in either direction
// between the embedded store and DynamoDB + S3.
//
// A migration is safe to run again: what the destination already holds
// identically is skipped, what differs is a conflict that is reported and
// left alone (unless Overwrite), and nothing is made visible half-written
// (objects appear whole; a repository's entries are written after its
// objects, in batches that each leave a valid document).
package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// DefaultWorkers is how many objects are copied at once.
const DefaultWorkers = 32

// DefaultBatch is how many metadata entries one document write takes:
// each write streams the whole document, so fewer, larger batches cost
// less; memory grows with the batch.
const DefaultBatch = 20000

// Selection narrows a migration to one account, or one repository of it.
type Selection struct {
	Account    string
	Repository string // "" for every repository of Account
}

// ParseSelection reads ACCOUNT or ACCOUNT/REPO.
func ParseSelection(s string) (Selection, error) {
	acct, repo, hasRepo := strings.Cut(s, "/")
	sel := Selection{Account: acct, Repository: repo}
	if err := backend.ValidateID("account", acct); err != nil {
		return sel, err
	}
	if hasRepo {
		if err := backend.ValidateID("repository", repo); err != nil {
			return sel, err
		}
	}
	return sel, nil
}

// String renders the selection as it was given.
func (s Selection) String() string {
	if s.Repository == "" {
		return s.Account
	}
	return s.Account + "/" + s.Repository
}

// Options are what a migration does beyond copying what is missing.
type Options struct {
	// Select narrows the migration; empty means the whole store.
	Select []Selection
	// DryRun works out the plan and writes nothing.
	DryRun bool
	// Verify reads back every destination object and compares its
	// SHA-256 with the source's.
	Verify bool
	// Overwrite replaces what differs at the destination instead of
	// reporting a conflict.
	Overwrite bool
	// SkipExisting skips whatever the destination already holds,
	// without comparing it.
	SkipExisting bool
	// Workers is how many objects are copied at once (DefaultWorkers if 0).
	Workers int
	// Batch is how many metadata entries one write takes (DefaultBatch if 0).
	Batch int
	// Progress, if set, is told how far the migration has got. It is
	// called from several goroutines, one call at a time.
	Progress func(Progress)
	// Audit receives one event per account, repository and batch written
	// at the destination; Actor names who migrates.
	Audit audit.Recorder
	Actor string
}

// Progress is the state of a migration.
type Progress struct {
	Repository string // the repository being copied, ACCOUNT/REPO
	Phase      string // "catalog", "objects", "metadata"
	Objects    int64  // objects done (copied, skipped or in conflict)
	Bytes      int64  // bytes copied
}

// ErrUnsupported is returned for a store that cannot give or take its
// catalog items whole.
var ErrUnsupported = errors.New("store cannot copy catalog items whole")

// migration is one run.
type migration struct {
	src, dst       backend.Store
	srcItems       backend.ItemCatalog
	dstItems       backend.ItemCatalog
	opts           Options
	rep            *Report
	repMu          sync.Mutex // rep
	mu             sync.Mutex // progress
	prog           Progress
	dstInitialized bool
}

// Run copies what opts selects from src to dst. It returns the report
// of what it did (or, with DryRun, would do); err is set only when the
// migration could not go on, and the report then says how far it got.
// Conflicts, mismatches and failures of single objects are in the
// report (see Report.OK).
func Run(ctx context.Context, src, dst backend.Store, opts Options) (*Report, error) {
	m := &migration{src: src, dst: dst, opts: opts, rep: &Report{DryRun: opts.DryRun, Verify: opts.Verify}}
	if m.opts.Workers <= 0 {
		m.opts.Workers = DefaultWorkers
	}
	if m.opts.Batch <= 0 {
		m.opts.Batch = DefaultBatch
	}
	if m.opts.Audit == nil {
		m.opts.Audit = audit.Discard{}
	}
	var ok bool
	if m.srcItems, ok = src.(backend.ItemCatalog); !ok {
		return m.rep, fmt.Errorf("source %s: %w", src.Location(), ErrUnsupported)
	}
	if m.dstItems, ok = dst.(backend.ItemCatalog); !ok {
		return m.rep, fmt.Errorf("destination %s: %w", dst.Location(), ErrUnsupported)
	}
	if src.Location() == dst.Location() {
		return m.rep, fmt.Errorf("%w: the source and the destination are the same store (%s)", backend.ErrInvalid, src.Location())
	}
	start := time.Now()
	defer func() { m.rep.Seconds = time.Since(start).Seconds() }()
	if err := m.initDestination(ctx); err != nil {
		return m.rep, err
	}
	err := m.accounts(ctx, func(acct backend.Account, repos []string) error {
		return m.account(ctx, acct, repos)
	})
	m.rep.finish()
	return m.rep, err
}

// initDestination initializes the destination, unless this is a dry run:
// then an uninitialized destination is read as empty.
func (m *migration) initDestination(ctx context.Context) error {
	if m.opts.DryRun {
		_, err := m.dst.ListAccounts(ctx, "", backend.PageRequest{Limit: 1})
		switch {
		case err == nil:
			m.dstInitialized = true
		case errors.Is(err, backend.ErrNotInitialized), errors.Is(err, backend.ErrNotFound):
		default:
			return fmt.Errorf("destination %s: %w", m.dst.Location(), err)
		}
		return nil
	}
	if err := m.dst.Init(ctx); err != nil {
		return fmt.Errorf("initialize destination %s: %w", m.dst.Location(), err)
	}
	m.dstInitialized = true
	return nil
}

// everyAccountLister is a store whose ListAccounts leaves some accounts
// out, and that can list them all (see aws.Store.AllAccounts: DynamoDB's
// type index is queried for users and organizations alone, while other
// tools keep accounts of other types in the table).
type everyAccountLister interface {
	AllAccounts(ctx context.Context, req backend.PageRequest) (backend.Page[backend.Account], error)
}

// accounts calls fn for each selected account with the repositories
// selected in it (nil for all).
func (m *migration) accounts(ctx context.Context, fn func(backend.Account, []string) error) error {
	if len(m.opts.Select) == 0 {
		list := func(ctx context.Context, req backend.PageRequest) (backend.Page[backend.Account], error) {
			return m.src.ListAccounts(ctx, "", req)
		}
		if all, ok := m.src.(everyAccountLister); ok {
			list = all.AllAccounts
		}
		req := backend.PageRequest{}
		for {
			page, err := list(ctx, req)
			if err != nil {
				return fmt.Errorf("list source accounts: %w", err)
			}
			for _, a := range page.Items {
				if err := fn(a, nil); err != nil {
					return err
				}
			}
			if page.Next == "" {
				return nil
			}
			req.Cursor = page.Next
		}
	}
	// Group the selections by account, in the order given.
	var order []string
	repos := map[string][]string{}
	whole := map[string]bool{}
	for _, s := range m.opts.Select {
		if _, seen := repos[s.Account]; !seen && !whole[s.Account] {
			order = append(order, s.Account)
			repos[s.Account] = nil
		}
		if s.Repository == "" {
			whole[s.Account] = true
		} else {
			repos[s.Account] = append(repos[s.Account], s.Repository)
		}
	}
	for _, id := range order {
		a, err := m.src.FindAccount(ctx, id)
		if err != nil {
			return fmt.Errorf("source: %w", backend.WithSubject("account "+id, err))
		}
		sel := repos[id]
		if whole[id] {
			sel = nil
		}
		if err := fn(a, sel); err != nil {
			return err
		}
	}
	return nil
}

// account copies one account and the selected repositories in it.
func (m *migration) account(ctx context.Context, a backend.Account, only []string) error {
	res, err := m.copyAccount(ctx, a)
	if err != nil {
		return err
	}
	if res == outcomeConflict || res == outcomeFailed {
		return nil // its repositories are not mixed into another account
	}
	visit := func(r backend.Repository) error { return m.repository(ctx, r) }
	if only != nil {
		for _, id := range only {
			r, err := m.src.GetRepository(ctx, a.ID, id)
			if err != nil {
				return fmt.Errorf("source: %w", backend.WithSubject("repository "+a.ID+"/"+id, err))
			}
			if err := visit(r); err != nil {
				return err
			}
		}
		return nil
	}
	req := backend.PageRequest{}
	for {
		page, err := m.src.ListRepositories(ctx, a.ID, req)
		if err != nil {
			return fmt.Errorf("list source repositories of %s: %w", a.ID, err)
		}
		for _, r := range page.Items {
			if err := visit(r); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		req.Cursor = page.Next
	}
}

// repository copies one repository: its item, its objects, then its
// metadata entries.
func (m *migration) repository(ctx context.Context, r backend.Repository) error {
	rr := m.newRepo(r.Ref().String())
	res, err := m.copyRepository(ctx, r, rr)
	if err != nil {
		return err
	}
	if res == outcomeConflict || res == outcomeFailed {
		return nil
	}
	fresh, err := m.freshPrefix(ctx, r.Ref(), res)
	if err != nil {
		return err
	}
	arrived, err := m.objects(ctx, r.Ref(), rr, fresh)
	if err != nil {
		return err
	}
	return m.metadata(ctx, r.Ref(), rr, arrived)
}

// freshPrefix reports whether the destination holds no object of
// repository ref, so that no object needs looking up there: true when the
// repository was new at the destination (res) and one listing finds
// nothing under it. A repository already there (from a run that was
// stopped, say) has each object looked up.
func (m *migration) freshPrefix(ctx context.Context, ref backend.RepoRef, res outcome) (bool, error) {
	if !m.dstInitialized {
		return true, nil
	}
	if res != outcomeCopied {
		return false, nil
	}
	page, err := m.dst.ListObjects(ctx, ref, "", backend.PageRequest{Limit: 1})
	switch {
	case errors.Is(err, backend.ErrNotFound):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("list %s at the destination: %w", ref, err)
	}
	return len(page.Items) == 0, nil
}

// progress updates the shared progress and tells Options.Progress.
func (m *migration) progress(fn func(p *Progress)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(&m.prog)
	if m.opts.Progress != nil {
		m.opts.Progress(m.prog)
	}
}

// record writes one audit event at the destination.
func (m *migration) record(action, target string, bytes int64, detail string, err error) {
	if m.opts.DryRun {
		return
	}
	ev := audit.Event{Actor: m.opts.Actor, Remote: "local", Action: action, Target: target, Bytes: bytes,
		Detail: "migrate from " + m.src.Location() + ": " + detail, Result: audit.ResultOK}
	if err != nil {
		ev.Result, ev.Error = audit.ResultError, err.Error()
	}
	m.opts.Audit.Record(ev)
}

// Report changes, one goroutine at a time.

func (m *migration) newRepo(name string) *RepoReport {
	m.repMu.Lock()
	defer m.repMu.Unlock()
	return m.rep.repo(name)
}

func (m *migration) conflict(kind, target, reason string) {
	m.repMu.Lock()
	defer m.repMu.Unlock()
	m.rep.conflict(kind, target, reason)
}

func (m *migration) mismatch(kind, target, reason string) {
	m.repMu.Lock()
	defer m.repMu.Unlock()
	m.rep.mismatch(kind, target, reason)
}

func (m *migration) failed(kind, target, reason string) {
	m.repMu.Lock()
	defer m.repMu.Unlock()
	m.rep.failed(kind, target, reason)
}

func (m *migration) note(kind, target, reason string) {
	m.repMu.Lock()
	defer m.repMu.Unlock()
	m.rep.note(kind, target, reason)
}
