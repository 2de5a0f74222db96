//go:build !linux

package transfer

// renameNoReplace is not done in one step here: the caller links and
// unlinks (see rename_linux.go).
func renameNoReplace(oldpath, newpath string) (done bool, err error) { return false, nil }
