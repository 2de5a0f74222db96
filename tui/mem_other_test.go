//go:build !linux

package tui

import "time"

// residentMB is unknown off Linux; BenchmarkHeap1M reports 0 there.
func residentMB() float64 { return 0 }

// cpuTime is unknown off Linux; the benchmarks report 0 for it there.
func cpuTime() time.Duration { return 0 }
