//go:build !race

package transfer

// raceBuild is whether the tests run with the race detector, under which
// sync.Pool drops a share of what it is given on purpose.
const raceBuild = false
