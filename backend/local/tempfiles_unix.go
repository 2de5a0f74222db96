//go:build unix

package local

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockWait takes an exclusive advisory lock on f, waiting for it; only a
// cleaner looking at a new temporary file holds it, and only for a moment.
func lockWait(f *os.File) error {
	for {
		err := flock(f, unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// flock applies flock(2) to f without f.Fd(), which would switch the file
// to blocking mode (two fcntl calls each time).
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = unix.Flock(int(fd), how) }); err != nil {
		return err
	}
	return ferr
}
