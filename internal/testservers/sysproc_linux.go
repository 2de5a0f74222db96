package testservers

import "syscall"

// sysProcAttr asks the kernel to kill a server if the test binary dies
// without running its cleanups (a -timeout panic, a SIGKILL).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
