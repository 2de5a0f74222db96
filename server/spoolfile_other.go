//go:build !unix

package server

import (
	"os"
	"time"
)

// lockSpool does nothing where there are no advisory locks.
func lockSpool(*os.File) error { return nil }

// abandoned, without locks, takes a spool file older than an hour for one
// a dead server left.
func abandoned(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && time.Since(fi.ModTime()) > time.Hour
}
