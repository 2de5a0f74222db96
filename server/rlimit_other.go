//go:build !unix

package server

// defaultMaxOpenFiles is the server-wide bound on open SFTP handles where
// the process has no file descriptor limit to read.
func defaultMaxOpenFiles() int { return 8192 }
