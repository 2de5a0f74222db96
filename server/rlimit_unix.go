//go:build unix

package server

import "syscall"

// defaultMaxOpenFiles is the server-wide bound on open SFTP handles: three
// quarters of the process's file descriptor limit (which Go raises to the
// hard limit at start where the system allows), so that logins, the
// catalog and the audit log always find descriptors.
func defaultMaxOpenFiles() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1024
	}
	cur := min(lim.Cur, 1<<20)
	return int(max(cur*3/4, 16))
}
