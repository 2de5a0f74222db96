package backend

import "errors"

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
