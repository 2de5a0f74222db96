package backend

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Stores wrap them with context; front ends compare with
// errors.Is and map them to messages and exit codes.
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrInvalid         = errors.New("invalid")
	ErrMetadataMissing = errors.New("metadata file missing")
	ErrMetadataCorrupt = errors.New("metadata file unreadable")
	ErrUnauthorized    = errors.New("not allowed")
	ErrNotInitialized  = errors.New("store not initialized (run `coop init`)")
	ErrLocked          = errors.New("store is locked by another process")
	ErrUnavailable     = errors.New("store unavailable")
)

// WithSubject prefixes err with what it concerns ("account alice"), unless
// its message names that already: stores name the account or repository
// in their errors, and a front end adding it again would print "account
// alice: account alice: not found".
func WithSubject(subject string, err error) error {
	if err == nil || strings.Contains(err.Error(), subject) {
		return err
	}
	return fmt.Errorf("%s: %w", subject, err)
}
