package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// copyAccount copies one account's item, every attribute as stored.
func (m *migration) copyAccount(ctx context.Context, a backend.Account) (outcome, error) {
	m.progress(func(p *Progress) { *p = Progress{Repository: a.ID, Phase: "catalog"} })
	res, err := m.copyAccountItem(ctx, a)
	if err != nil {
		if ctx.Err() != nil {
			return outcomeFailed, ctx.Err()
		}
		m.failed("account", a.ID, err.Error())
		res = outcomeFailed
	}
	m.repMu.Lock()
	m.rep.Accounts.add(res)
	m.repMu.Unlock()
	return res, nil
}

func (m *migration) copyAccountItem(ctx context.Context, a backend.Account) (outcome, error) {
	item, err := m.srcItems.AccountItem(ctx, a.ID, a.Type)
	if err != nil {
		return outcomeFailed, fmt.Errorf("read from the source: %w", err)
	}
	var have backend.Item
	if m.dstInitialized {
		d, err := m.dst.FindAccount(ctx, a.ID)
		switch {
		case errors.Is(err, backend.ErrNotFound):
		case err != nil:
			return outcomeFailed, fmt.Errorf("read from the destination: %w", err)
		case d.Type != a.Type:
			m.conflict("account", a.ID, fmt.Sprintf("a %s at the destination, a %s at the source", d.Type, a.Type))
			return outcomeConflict, nil
		default:
			if have, err = m.dstItems.AccountItem(ctx, a.ID, a.Type); err != nil {
				return outcomeFailed, fmt.Errorf("read from the destination: %w", err)
			}
		}
	}
	res, why := m.decide(have, item)
	switch res {
	case outcomeConflict:
		m.conflict("account", a.ID, why)
		return res, nil
	case outcomeSkipped:
		return res, nil
	}
	if m.opts.DryRun {
		return res, nil
	}
	err = m.dstItems.PutAccountItem(ctx, item)
	m.record(audit.ActionAccountCreate, a.ID, 0, "account "+res.String(), err)
	if err != nil {
		return outcomeFailed, fmt.Errorf("write at the destination: %w", err)
	}
	return res, nil
}

// copyRepository copies one repository's item, every attribute as
// stored.
func (m *migration) copyRepository(ctx context.Context, r backend.Repository, rr *RepoReport) (outcome, error) {
	m.progress(func(p *Progress) { *p = Progress{Repository: rr.Repository, Phase: "catalog"} })
	res, err := m.copyRepositoryItem(ctx, r, rr)
	if err != nil {
		if ctx.Err() != nil {
			return outcomeFailed, ctx.Err()
		}
		m.failed("repository", rr.Repository, err.Error())
		res = outcomeFailed
	}
	rr.Item = res.String()
	return res, nil
}

func (m *migration) copyRepositoryItem(ctx context.Context, r backend.Repository, rr *RepoReport) (outcome, error) {
	item, err := m.srcItems.RepositoryItem(ctx, r.AccountID, r.ID)
	if err != nil {
		return outcomeFailed, fmt.Errorf("read from the source: %w", err)
	}
	var have backend.Item
	if m.dstInitialized {
		have, err = m.dstItems.RepositoryItem(ctx, r.AccountID, r.ID)
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return outcomeFailed, fmt.Errorf("read from the destination: %w", err)
		}
	}
	res, why := m.decide(have, item)
	switch res {
	case outcomeConflict:
		m.conflict("repository", rr.Repository, why)
		return res, nil
	case outcomeSkipped:
		return res, nil
	}
	if m.opts.DryRun {
		return res, nil
	}
	err = m.dstItems.PutRepositoryItem(ctx, item)
	m.record(audit.ActionRepoCreate, rr.Repository, 0, "repository "+res.String(), err)
	if err != nil {
		return outcomeFailed, fmt.Errorf("write at the destination: %w", err)
	}
	return res, nil
}

// decide says what to do with a catalog item given what the destination
// holds (nil for nothing), and for a conflict why.
func (m *migration) decide(have, want backend.Item) (outcome, string) {
	switch {
	case have == nil:
		return outcomeCopied, ""
	case m.opts.SkipExisting, backend.SameItem(have, want):
		return outcomeSkipped, ""
	case m.opts.Overwrite:
		return outcomeOverwritten, ""
	}
	diff := backend.ItemDiff(want, have)
	sort.Strings(diff)
	return outcomeConflict, "differs at the destination in " + strings.Join(diff, ", ")
}
