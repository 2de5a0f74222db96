//go:build unix

package server

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockSpool takes an exclusive lock on a new spool file for as long as it
// is open: a spool file nobody holds was left by a server that died, and
// CleanSpool removes it whatever its age.
func lockSpool(f *os.File) error { return flock(f, unix.LOCK_EX|unix.LOCK_NB) }

// abandoned reports whether the spool file at path is held by no server.
func abandoned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
	return err == nil
}

// flock applies flock(2) to f without f.Fd(), which would switch the file
// to blocking mode.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.Flock(int(fd), how)
			if !errors.Is(ferr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}
