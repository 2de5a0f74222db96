//go:build unix

package local

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// folderStamp identifies the current state of the open folder d.
func folderStamp(d *os.File) (dirStamp, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(d.Fd()), &st); err != nil {
		return dirStamp{}, false, err
	}
	stamp := dirStamp{dev: uint64(st.Dev), ino: st.Ino, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(), size: st.Size} //nolint:unconvert // Dev is not uint64 on every platform
	return stamp, st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

// lstatAt lstats name in the open folder d (whose path is abs) without
// resolving the folder's path again.
func lstatAt(d *os.File, _, name string) (fs.FileMode, int64, time.Time, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(d.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, 0, time.Time{}, err
	}
	var mode fs.FileMode
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		mode = fs.ModeDir
	case unix.S_IFREG:
	case unix.S_IFLNK:
		mode = fs.ModeSymlink
	default:
		mode = fs.ModeIrregular
	}
	return mode, st.Size, time.Unix(st.Mtim.Unix()), nil
}

// tryLock takes an exclusive advisory lock on f if it is free; busy
// reports that another holder has it.
func tryLock(f *os.File) (busy bool, err error) {
	err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EINTR) {
		return true, nil
	}
	return false, err
}

// openNonblock opens without waiting: a FIFO opened for reading would
// otherwise block until a writer comes.
const openNonblock = unix.O_NONBLOCK

// openStamp is the stamp of the open file f.
func openStamp(f *os.File) (fileStamp, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fileStamp{}, err
	}
	return fileStamp{dev: int64(st.Dev), ino: int64(st.Ino), size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, nil //nolint:unconvert // field types differ between platforms
}
