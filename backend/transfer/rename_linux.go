package transfer

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace gives oldpath the name newpath unless newpath exists
// (errLocalExists), in one step: renameat2 with RENAME_NOREPLACE. done is
// false, with nothing changed, where the file system cannot (then the
// caller links and unlinks: one more change to the folder per file, which
// a folder of many small downloads feels).
func renameNoReplace(oldpath, newpath string) (done bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EEXIST):
		return true, errLocalExists
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ENOTSUP), errors.Is(err, unix.EPERM):
		return false, nil
	}
	return true, &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
}
