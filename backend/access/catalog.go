package access

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// Administers reports whether the caller administers account a (as read
// through this Store): whether it may see a's keys and members and change
// them.
func (s *Store) Administers(a backend.Account) bool { return s.administers(a) }

// administers reports whether the caller administers account a: the
// machine's owner does every account, an account itself, and the owners
// of an organization the organization. Only they see private metadata
// (keys, members) and may change the account.
func (s *Store) administers(a backend.Account) bool {
	switch s.who.Kind {
	case KindOwner:
		return true
	case KindAnonymous:
		return false
	}
	if a.ID == s.who.Account {
		return true
	}
	return a.Type == backend.AccountOrganization && Members(a)[s.who.Account] == RoleOwner
}

// redact hides what only those who administer an account may see: its
// private metadata, and its email address, which the account itself, the
// owners of its organizations and the machine's owner see.
func (s *Store) redact(ctx context.Context, a backend.Account) (backend.Account, error) {
	if s.administers(a) {
		return a, nil
	}
	a.MetadataPrivate = nil
	if a.Email == "" || s.who.Kind != KindAccount || a.Type == backend.AccountOrganization {
		a.Email = ""
		return a, nil
	}
	owned, err := s.ownedOrgs(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	for _, members := range owned {
		if _, ok := members[a.ID]; ok {
			return a, nil
		}
	}
	a.Email = ""
	return a, nil
}

// ownedOrgs returns the members of each organization the caller owns,
// read once per decisionTTL: the organizations are listed (by type, never
// a scan of every account) only when an email address needs deciding.
func (s *Store) ownedOrgs(ctx context.Context) (map[string]map[string]Role, error) {
	now := s.now()
	s.mu.Lock()
	if s.owned != nil && now.Before(s.ownedExpires) {
		owned := s.owned
		s.mu.Unlock()
		return owned, nil
	}
	s.mu.Unlock()
	owned := map[string]map[string]Role{}
	req := backend.PageRequest{Limit: 500}
	for {
		page, err := s.base.ListAccounts(ctx, backend.AccountOrganization, req)
		if err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		for _, org := range page.Items {
			if m := Members(org); m[s.who.Account] == RoleOwner {
				owned[org.ID] = m
			}
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	s.mu.Lock()
	s.owned, s.ownedExpires = owned, now.Add(decisionTTL)
	s.mu.Unlock()
	return owned, nil
}

// CreateAccount adds an account; only the machine's owner may.
func (s *Store) CreateAccount(ctx context.Context, a backend.Account) error {
	err := fmt.Errorf("create account %s: %s: %w", a.ID, s.who, backend.ErrUnauthorized)
	if s.who.Kind == KindOwner {
		err = s.keysFree(ctx, a)
		if err == nil {
			err = s.base.CreateAccount(ctx, a)
		}
	}
	s.forget()
	s.record(audit.ActionAccountCreate, a.ID, 0, string(a.Type), err)
	for _, c := range accountChanges(backend.Account{ID: a.ID}, a) {
		s.record(c.action, c.target, 0, c.detail, err)
	}
	return err
}

// GetAccount reads an account; private metadata is shown only to those
// who administer it.
func (s *Store) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	a, err := s.base.GetAccount(ctx, id, typ)
	if err != nil {
		return a, err
	}
	return s.redact(ctx, a)
}

// FindAccount reads an account by id, redacted as GetAccount.
func (s *Store) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	a, err := s.base.FindAccount(ctx, id)
	if err != nil {
		return a, err
	}
	return s.redact(ctx, a)
}

// FindAccountByEmail finds an account by email, for callers who may see
// that account's address: for the others the answer is not found, so an
// address cannot be tried to learn whose it is.
func (s *Store) FindAccountByEmail(ctx context.Context, email string) (backend.Account, error) {
	notFound := fmt.Errorf("account with email %q: %w", email, backend.ErrNotFound)
	if s.who.Kind == KindAnonymous {
		return backend.Account{}, notFound
	}
	a, err := s.base.FindAccountByEmail(ctx, email)
	if err != nil {
		return a, err
	}
	if a, err = s.redact(ctx, a); err != nil {
		return backend.Account{}, err
	}
	if a.Email == "" {
		return backend.Account{}, notFound
	}
	return a, nil
}

// ListAccounts lists accounts, redacted as GetAccount.
func (s *Store) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	p, err := s.base.ListAccounts(ctx, typ, req)
	if err != nil {
		return p, err
	}
	for i := range p.Items {
		if p.Items[i], err = s.redact(ctx, p.Items[i]); err != nil {
			return backend.Page[backend.Account]{}, err
		}
	}
	return p, nil
}

// UpdateAccount replaces an account. The machine's owner may update any
// account, an account itself, and an organization's owners the
// organization. Keys another account already owns are refused
// (backend.ErrExists). Key and member changes are recorded one by one,
// refused ones too.
func (s *Store) UpdateAccount(ctx context.Context, a backend.Account) error {
	old, err := s.base.GetAccount(ctx, a.ID, a.Type)
	if err == nil {
		if s.administers(old) {
			err = s.keysFree(ctx, a)
		} else {
			err = fmt.Errorf("update account %s: %s: %w", a.ID, s.who, backend.ErrUnauthorized)
		}
	}
	if err == nil {
		err = s.base.UpdateAccount(ctx, a)
	}
	s.forget()
	changes := accountChanges(old, a)
	if len(changes) == 0 {
		changes = []change{{audit.ActionAccountUpdate, a.ID, ""}}
	}
	for _, c := range changes {
		s.record(c.action, c.target, 0, c.detail, err)
	}
	return err
}

// keysFree checks that no account other than a lists one of a's keys, so
// that a key always signs in as one account.
func (s *Store) keysFree(ctx context.Context, a backend.Account) error {
	lines := Keys(a)
	if len(lines) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, l := range lines {
		if _, _, err := ParseKey(l); err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		want[Fingerprint(l)] = true
	}
	var clash error
	err := EachAccount(ctx, s.base, func(other backend.Account) bool {
		if other.ID == a.ID {
			return true
		}
		for _, l := range Keys(other) {
			if fp := Fingerprint(l); want[fp] {
				clash = fmt.Errorf("key %s already belongs to another account: %w", fp, backend.ErrExists)
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return clash
}

// change is one key or membership change of an account, for the audit log.
type change struct{ action, target, detail string }

// accountChanges lists the keys added and removed and the members whose
// role changed from old to updated, by fingerprint and role only.
func accountChanges(old, updated backend.Account) []change {
	var out []change
	before, after := fingerprints(old), fingerprints(updated)
	for _, fp := range slices.Sorted(maps.Keys(after)) {
		if !before[fp] {
			out = append(out, change{audit.ActionKeyAdd, updated.ID, fp})
		}
	}
	for _, fp := range slices.Sorted(maps.Keys(before)) {
		if !after[fp] {
			out = append(out, change{audit.ActionKeyRemove, updated.ID, fp})
		}
	}
	mb, ma := Members(old), Members(updated)
	for _, id := range slices.Sorted(maps.Keys(ma)) {
		if mb[id] != ma[id] {
			out = append(out, change{audit.ActionMemberSet, updated.ID + " " + id, string(ma[id])})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(mb)) {
		if _, ok := ma[id]; !ok {
			out = append(out, change{audit.ActionMemberRemove, updated.ID + " " + id, string(mb[id])})
		}
	}
	return out
}

func fingerprints(a backend.Account) map[string]bool {
	out := map[string]bool{}
	for _, l := range Keys(a) {
		if fp := Fingerprint(l); fp != "" {
			out[fp] = true
		}
	}
	return out
}

// CreateRepository adds a repository. The machine's owner may create any;
// an account its own; an organization's owners and maintainers the
// organization's.
func (s *Store) CreateRepository(ctx context.Context, r backend.Repository) error {
	role, err := s.role(ctx, r.AccountID)
	if err == nil && role.Level() < Admin {
		err = fmt.Errorf("create repository %s: %s: %w", r.Ref(), s.who, backend.ErrUnauthorized)
	}
	if err == nil {
		err = s.base.CreateRepository(ctx, r)
	}
	s.forget()
	s.record(audit.ActionRepoCreate, r.Ref().String(), 0, string(r.Visibility), err)
	return err
}

// GetRepository reads a repository the caller may read; any other is
// backend.ErrNotFound.
func (s *Store) GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error) {
	r, _, err := s.repo(ctx, backend.RepoRef{AccountID: accountID, RepositoryID: repositoryID})
	return r, err
}

// UpdateRepository replaces a repository the caller administers.
func (s *Store) UpdateRepository(ctx context.Context, r backend.Repository) error {
	err := s.need(ctx, r.Ref(), Admin, "update repository")
	if err == nil {
		err = s.base.UpdateRepository(ctx, r)
	}
	s.forget()
	detail := ""
	if err == nil {
		detail = string(r.Visibility)
	}
	s.record(audit.ActionRepoUpdate, r.Ref().String(), 0, detail, err)
	return err
}

// ListRepositories lists the account's repositories the caller may read,
// newest first. Pages may hold fewer items than asked for; an empty page
// is the last one.
func (s *Store) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	for {
		p, err := s.base.ListRepositories(ctx, accountID, req)
		if err != nil {
			return p, err
		}
		kept := p.Items[:0]
		for _, r := range p.Items {
			lvl, err := s.levelOf(ctx, r)
			if err != nil {
				return backend.Page[backend.Repository]{}, err
			}
			if lvl > NoAccess {
				kept = append(kept, r)
			}
		}
		p.Items = slices.Clip(kept)
		if len(p.Items) > 0 || p.Next == "" {
			return p, nil
		}
		req.Cursor = p.Next
	}
}

// targetPath names an object for the audit log.
func targetPath(ref backend.RepoRef, path string) string {
	return strings.TrimSuffix(ref.String()+"/"+path, "/")
}
