//go:build windows

package local

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockWait takes an exclusive lock on f's first byte, waiting for it.
func lockWait(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ol)
}
