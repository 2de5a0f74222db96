//go:build !linux

package local

// lockHolders cannot name lock holders on this system.
func lockHolders(string) string { return "" }
