package server

import "sync/atomic"

// budget counts a bounded resource a client can make the server hold:
// open SFTP handles (per session and for the whole server) or bytes of
// unfinished uploads in the spool (per session).
type budget struct {
	limit int64
	used  atomic.Int64
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// take reserves n, or reports false (reserving nothing) if that would go
// past the limit.
func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

// give returns n taken before.
func (b *budget) give(n int64) { b.used.Add(-n) }

// inUse is what is taken now.
func (b *budget) inUse() int64 { return b.used.Load() }
