package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// decisionTTL is how long a Store remembers what a caller may do with a
// repository. Changes made through the same Store take effect at once;
// changes made elsewhere (another session, the command line) within this.
const decisionTTL = 2 * time.Second

// Store is a backend.Store seen by one caller: reads and listings show
// only what the caller may read, writes are refused unless it may write,
// and every write is recorded. It is safe for concurrent use.
type Store struct {
	base       backend.Store
	baseCaps   backend.Capabilities
	who        Principal
	rec        audit.Recorder
	location   string
	closeBase  bool
	closeAudit io.Closer
	now        func() time.Time

	mu    sync.Mutex
	repos map[backend.RepoRef]repoDecision
	// looking are the repository lookups under way, which concurrent
	// callers wait for instead of asking again.
	looking map[backend.RepoRef]*repoLookup
	roles   map[string]roleDecision
	// busy holds the requests in flight per repository (see hold).
	busy map[backend.RepoRef]*keeper
	// owned holds the members of the organizations the caller owns, until
	// ownedExpires (see ownedOrgs).
	owned        map[string]map[string]Role
	ownedExpires time.Time
}

type repoDecision struct {
	repo    backend.Repository
	level   Level
	err     error
	expires time.Time
}

// repoLookup is one repository lookup under way; d is set when done is
// closed.
type repoLookup struct {
	done chan struct{}
	d    repoDecision
}

type roleDecision struct {
	role    Role
	expires time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithAudit records every write (and every refused write) in rec.
func WithAudit(rec audit.Recorder) Option { return func(s *Store) { s.rec = rec } }

// WithLocation replaces what Location reports (by default the base
// store's), e.g. so remote users do not see the server's paths.
func WithLocation(loc string) Option { return func(s *Store) { s.location = loc } }

// ClosingBase makes Close close the base store too. Without it the base
// store belongs to whoever opened it, which suits a server whose sessions
// share one store.
func ClosingBase() Option { return func(s *Store) { s.closeBase = true } }

// ClosingAudit makes Close close the audit recorder too, once the base
// store is closed (a command's own audit.Log).
func ClosingAudit(c io.Closer) Option { return func(s *Store) { s.closeAudit = c } }

// New wraps base for caller who.
func New(base backend.Store, who Principal, opts ...Option) *Store {
	s := &Store{
		base:     base,
		baseCaps: backend.CapabilitiesOf(base),
		who:      who,
		rec:      audit.Discard{},
		now:      time.Now,
		repos:    map[backend.RepoRef]repoDecision{},
		looking:  map[backend.RepoRef]*repoLookup{},
		roles:    map[string]roleDecision{},
		busy:     map[backend.RepoRef]*keeper{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Principal is the caller this Store acts for.
func (s *Store) Principal() Principal { return s.who }

// Init creates the store layout; only the machine's owner may.
func (s *Store) Init(ctx context.Context) error {
	if s.who.Kind != KindOwner {
		return fmt.Errorf("init: %s: %w", s.who, backend.ErrUnauthorized)
	}
	return s.base.Init(ctx)
}

// Location describes the store.
func (s *Store) Location() string {
	if s.location != "" {
		return s.location
	}
	return s.base.Location()
}

// Close closes the base store if the Store was made with ClosingBase,
// then the audit recorder if it was made with ClosingAudit.
func (s *Store) Close() error {
	var err error
	if s.closeBase {
		err = s.base.Close()
	}
	if s.closeAudit != nil {
		if cerr := s.closeAudit.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// forget drops remembered decisions after a catalog write.
func (s *Store) forget() {
	s.mu.Lock()
	clear(s.repos)
	clear(s.roles)
	s.owned = nil
	s.mu.Unlock()
}

// role is the caller's role in account accountID: owner of itself, its
// role in an organization it belongs to, or none.
func (s *Store) role(ctx context.Context, accountID string) (Role, error) {
	switch s.who.Kind {
	case KindOwner:
		return RoleOwner, nil
	case KindAnonymous:
		return "", nil
	}
	if accountID == s.who.Account {
		return RoleOwner, nil
	}
	now := s.now()
	s.mu.Lock()
	d, ok := s.roles[accountID]
	s.mu.Unlock()
	if ok && now.Before(d.expires) {
		return d.role, nil
	}
	acct, err := s.base.FindAccount(ctx, accountID)
	switch {
	case errors.Is(err, backend.ErrNotFound):
		acct = backend.Account{}
	case err != nil:
		return "", err
	}
	d = roleDecision{expires: now.Add(decisionTTL)}
	if acct.Type == backend.AccountOrganization {
		d.role = Members(acct)[s.who.Account]
	}
	s.mu.Lock()
	s.roles[accountID] = d
	s.mu.Unlock()
	return d.role, nil
}

// levelOf is what the caller may do with repository r.
func (s *Store) levelOf(ctx context.Context, r backend.Repository) (Level, error) {
	if s.who.Kind == KindOwner {
		return Admin, nil
	}
	lvl := NoAccess
	if r.Visibility == backend.VisibilityPublic {
		lvl = ReadOnly
	}
	if s.who.Kind == KindAnonymous {
		return lvl, nil
	}
	role, err := s.role(ctx, r.AccountID)
	if err != nil {
		return NoAccess, err
	}
	return max(lvl, role.Level()), nil
}

// Level is what the caller may do with the repository ref. A repository
// it may not read is backend.ErrNotFound, as if it did not exist.
func (s *Store) Level(ctx context.Context, ref backend.RepoRef) (Level, error) {
	_, lvl, err := s.repo(ctx, ref)
	return lvl, err
}

// repo reads the repository ref and what the caller may do with it,
// answering ErrNotFound for repositories it may not read. Callers asking
// at once share one lookup.
func (s *Store) repo(ctx context.Context, ref backend.RepoRef) (backend.Repository, Level, error) {
	now := s.now()
	s.mu.Lock()
	if d, ok := s.repos[ref]; ok && now.Before(d.expires) {
		if now.After(d.expires.Add(-decisionTTL / 2)) {
			// Used in the second half of its life: looked up again in
			// the background, so that a long job (a delete of many
			// batches, then its metadata write) does not wait for the
			// lookup when the decision expires. It is never used past
			// its expiry all the same.
			s.refreshLocked(ctx, ref, d, now)
		}
		s.mu.Unlock()
		return d.repo, d.level, d.err
	}
	if l, ok := s.looking[ref]; ok {
		s.mu.Unlock()
		select {
		case <-l.done:
			return l.d.repo, l.d.level, l.d.err
		case <-ctx.Done():
			return backend.Repository{}, NoAccess, ctx.Err()
		}
	}
	l := s.startLookup(ref)
	s.mu.Unlock()
	s.finishLookup(ctx, ref, l, now)
	return l.d.repo, l.d.level, l.d.err
}

// startLookup registers a lookup of ref under way; s.mu is held.
func (s *Store) startLookup(ref backend.RepoRef) *repoLookup {
	l := &repoLookup{done: make(chan struct{})}
	s.looking[ref] = l
	return l
}

// finishLookup makes the lookup l and remembers its decision.
func (s *Store) finishLookup(ctx context.Context, ref backend.RepoRef, l *repoLookup, now time.Time) {
	l.d = s.lookUp(ctx, ref, now)
	s.mu.Lock()
	delete(s.looking, ref)
	if l.d.err == nil || errors.Is(l.d.err, backend.ErrNotFound) {
		s.repos[ref] = l.d
	} // else not remembered: may be passing
	s.mu.Unlock()
	close(l.done)
}

// hold marks a request on ref as in flight until the returned release
// is called. While any is, the decision on ref is looked up again, in the
// background, as soon as it reaches the second half of its life (see
// keep): a request the store takes long over (a large object's parts and
// their completion, a batch delete on a busy server, a slow upload)
// uses no decision while it runs, and the write that follows its answer
// (an upload's or a delete's metadata write) then finds the decision
// fresh instead of waiting a round trip for a lookup. That costs at most
// one lookup every half of a decision's life, however many requests are
// in flight, and none for work that ends within half of it.
func (s *Store) hold(ctx context.Context, ref backend.RepoRef) (release func()) {
	s.mu.Lock()
	k := s.busy[ref]
	if k == nil {
		k = &keeper{stop: make(chan struct{})}
		s.busy[ref] = k
		go s.keep(context.WithoutCancel(ctx), ref, k.stop)
	}
	k.n++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if k.n--; k.n == 0 {
				close(k.stop)
				delete(s.busy, ref)
			}
			s.mu.Unlock()
		})
	}
}

// keeper counts the requests in flight on one repository; stop ends its
// keep.
type keeper struct {
	n    int
	stop chan struct{}
}

// keepTick is how often keep looks at the age of a decision: a decision
// in the second half of its life is looked up again within keepTick.
const keepTick = decisionTTL / 8

// keep refreshes the decision on ref whenever it is found in the second
// half of its life, until stop is closed.
func (s *Store) keep(ctx context.Context, ref backend.RepoRef, stop <-chan struct{}) {
	t := time.NewTicker(keepTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			now := s.now()
			s.mu.Lock()
			if d, ok := s.repos[ref]; ok && !now.Before(d.expires.Add(-decisionTTL/2)) {
				s.refreshLocked(ctx, ref, d, now)
			}
			s.mu.Unlock()
		}
	}
}

// refreshLocked looks ref, whose remembered decision d is getting old,
// up again in the background, unless a lookup is under way or d is a
// refusal; s.mu is held.
func (s *Store) refreshLocked(ctx context.Context, ref backend.RepoRef, d repoDecision, now time.Time) {
	if _, under := s.looking[ref]; under || d.err != nil {
		return
	}
	l := s.startLookup(ref)
	go s.finishLookup(context.WithoutCancel(ctx), ref, l, now)
}

// known reports whether what the caller may do with ref is remembered,
// so that asking costs no request.
func (s *Store) known(ref backend.RepoRef) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.repos[ref]
	return ok && s.now().Before(d.expires)
}

// lookUp reads the repository ref and decides what the caller may do.
func (s *Store) lookUp(ctx context.Context, ref backend.RepoRef, now time.Time) repoDecision {
	d := repoDecision{expires: now.Add(decisionTTL)}
	d.repo, d.err = s.base.GetRepository(ctx, ref.AccountID, ref.RepositoryID)
	switch {
	case d.err == nil:
		d.level, d.err = s.levelOf(ctx, d.repo)
		if d.err == nil && d.level == NoAccess {
			d.err = backend.ErrNotFound
		}
	case errors.Is(d.err, backend.ErrNotFound):
		// A missing repository costs what a hidden one does (the caller's
		// role in the account is looked up all the same), so the time of
		// the answer does not tell them apart.
		if _, err := s.role(ctx, ref.AccountID); err != nil {
			d.err = err
		}
	}
	if errors.Is(d.err, backend.ErrNotFound) {
		// The same answer whether it is missing or hidden.
		d.repo, d.level = backend.Repository{}, NoAccess
		d.err = fmt.Errorf("repository %s: %w", ref, backend.ErrNotFound)
	}
	if d.err != nil && !errors.Is(d.err, backend.ErrNotFound) {
		d.repo, d.level = backend.Repository{}, NoAccess
	}
	return d
}

// need checks that the caller may act on ref at level want. A repository
// it cannot see is ErrNotFound; one it can see but not change is
// ErrUnauthorized.
func (s *Store) need(ctx context.Context, ref backend.RepoRef, want Level, what string) error {
	if err := backend.ValidateRef(ref); err != nil {
		return err
	}
	_, lvl, err := s.repo(ctx, ref)
	if err != nil {
		return err
	}
	if lvl < want {
		return fmt.Errorf("%s %s: %s has %s access: %w", what, ref, s.who, lvl, backend.ErrUnauthorized)
	}
	return nil
}

// Require checks, before a front end starts work that needs it (a
// repair reads every object before it writes the metadata), that the
// caller may act on ref at level want. A refusal is recorded as a refused
// action (an audit action such as audit.ActionMetadataUpdate), so the
// audit log shows it as it would show the write itself refused.
func (s *Store) Require(ctx context.Context, ref backend.RepoRef, want Level, action string) error {
	err := s.need(ctx, ref, want, action)
	if err != nil {
		s.record(action, ref.String(), 0, "", err)
	}
	return err
}

// record writes one audit event for the caller.
func (s *Store) record(action, target string, bytes int64, detail string, err error) {
	s.rec.Record(s.event(action, target, bytes, detail, err))
}

// event is the audit event record would record.
func (s *Store) event(action, target string, bytes int64, detail string, err error) audit.Event {
	ev := audit.Event{
		Time:   s.now(),
		Actor:  s.who.Actor(),
		Remote: s.who.Remote,
		Action: action,
		Target: target,
		Result: Result(err),
		Bytes:  bytes,
		Detail: detail,
	}
	if err != nil {
		ev.Error = err.Error()
	}
	return ev
}

// Result maps an error to the audit log's result field.
func Result(err error) string {
	switch {
	case err == nil:
		return audit.ResultOK
	case errors.Is(err, backend.ErrUnauthorized):
		return audit.ResultDenied
	case errors.Is(err, backend.ErrNotFound):
		return audit.ResultNotFound
	case errors.Is(err, backend.ErrInvalid):
		return audit.ResultInvalid
	}
	return audit.ResultError
}
