package tui

import (
	"context"
	"errors"

	"github.com/coopterm/coop/backend"
)

// errorHint suggests what to do about a store error, by its sentinel.
func errorHint(err error) string {
	switch {
	case errors.Is(err, backend.ErrNotFound):
		return "It may have been deleted or renamed; press r to refresh."
	case errors.Is(err, backend.ErrUnauthorized):
		return "Your account is not allowed to see this."
	case errors.Is(err, backend.ErrNotInitialized):
		return "Run `coop init` to create the store."
	case errors.Is(err, backend.ErrLocked):
		return "Another coop process holds the store; try again when it is done."
	case errors.Is(err, backend.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return "The store did not answer; check the connection and press r to retry."
	}
	return ""
}
