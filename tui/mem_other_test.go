//go:build !linux

package tui

// residentMB is unknown off Linux; BenchmarkHeap1M reports 0 there.
func residentMB() float64 { return 0 }
