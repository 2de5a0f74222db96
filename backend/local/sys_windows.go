//go:build windows

package local

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// folderStamp identifies the current state of the open folder d by its
// modification time and size.
func folderStamp(d *os.File) (dirStamp, bool, error) {
	fi, err := d.Stat()
	if err != nil {
		return dirStamp{}, false, err
	}
	return dirStamp{mtime: fi.ModTime().UnixNano(), size: fi.Size()}, fi.IsDir(), nil
}

// lstatAt lstats name in the folder abs.
func lstatAt(_ *os.File, abs, name string) (fs.FileMode, int64, time.Time, error) {
	fi, err := os.Lstat(filepath.Join(abs, name))
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	return fi.Mode(), fi.Size(), fi.ModTime(), nil
}

// tryLock takes an exclusive lock on f's first byte if it is free; busy
// reports that another holder has it.
func tryLock(f *os.File) (busy bool, err error) {
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

// openNonblock is nothing on Windows, which has no FIFOs to block on.
const openNonblock = 0

// openStamp is the stamp of the open file f: its size and modification
// time (Windows gives no inode here), which the index's checksum backs.
func openStamp(f *os.File) (fileStamp, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}
