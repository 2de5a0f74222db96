//go:build unix

package local

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockWait takes an exclusive advisory lock on f, waiting for it; only a
// cleaner looking at a new temporary file holds it, and only for a moment.
func lockWait(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}
