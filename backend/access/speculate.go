package access

import (
	"context"

	"github.com/coopterm/coop/backend"
)

// readWhileChecking runs a read while checking that the caller may read
// ref, and returns the read's answer only if the check passes. A read
// changes nothing, so starting it before the answer costs nothing when
// the caller is refused (its answer is dropped, and closed by drop) and
// saves the check's round trip otherwise. A repository that is missing
// and one that is hidden still cost the same: the check and the read.
// When the decision is remembered the check costs nothing, and the read
// runs after it. While the read is in flight the decision is kept fresh
// (see Store.hold).
func readWhileChecking[T any](ctx context.Context, s *Store, ref backend.RepoRef, what string, read func() (T, error), drop func(T)) (T, error) {
	var zero T
	if err := backend.ValidateRef(ref); err != nil {
		return zero, err
	}
	if s.known(ref) {
		if err := s.need(ctx, ref, ReadOnly, what); err != nil {
			return zero, err
		}
		defer s.hold(ctx, ref)()
		return read()
	}
	checked := make(chan error, 1)
	go func() { checked <- s.need(ctx, ref, ReadOnly, what) }()
	release := s.hold(ctx, ref)
	v, err := read()
	release()
	if cerr := <-checked; cerr != nil {
		if err == nil && drop != nil {
			drop(v)
		}
		return zero, cerr
	}
	return v, err
}

// pagesWhileChecking is readWhileChecking for a read that hands its
// answer over in pages: read starts while the check runs, and calls
// allowed before it hands over each page, which waits for the check and
// gives its refusal. It returns the read's error, or the refusal, which
// is the answer whatever the read found (refused is then set).
func pagesWhileChecking(ctx context.Context, s *Store, ref backend.RepoRef, what string, read func(allowed func() error) error) (refused bool, err error) {
	if err := backend.ValidateRef(ref); err != nil {
		return true, err
	}
	if s.known(ref) {
		if err := s.need(ctx, ref, ReadOnly, what); err != nil {
			return true, err
		}
		defer s.hold(ctx, ref)()
		return false, read(func() error { return nil })
	}
	checked := make(chan error, 1)
	go func() { checked <- s.need(ctx, ref, ReadOnly, what) }()
	var refusal error
	waited := false
	allowed := func() error {
		if !waited {
			refusal, waited = <-checked, true
		}
		return refusal
	}
	release := s.hold(ctx, ref)
	err = read(allowed)
	release()
	if rerr := allowed(); rerr != nil {
		return true, rerr
	}
	return false, err
}
