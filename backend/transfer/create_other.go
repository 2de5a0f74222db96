//go:build !unix

package transfer

import "os"

// createExcl creates the new file name for reading and writing.
func createExcl(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
}

// openRead is os.Open (see the Unix version).
func openRead(name string) (*os.File, error) { return os.Open(name) }
