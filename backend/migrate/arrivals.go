package migrate

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"slices"
	"sync"
)

// arrivals is what each object of a repository holds at the destination
// after the copy: its size and (the first 64 bits of) the SHA-256 of its
// content, or that it was not copied. The repository's metadata entries
// are checked against it. Since it is the one thing of a migration that
// grows with a repository, it holds 24 bytes per object in one slice,
// sorted once the copy is done: a 64-bit hash of the path (a collision
// among a million paths has odds of about 1 in 10^7, and would only
// mistake one entry's check), the size, and 64 bits of the SHA-256 (a
// recorded checksum that differs from the content is told with odds of
// 1 - 2^-64).
type arrivals struct {
	mu     sync.Mutex
	seed   maphash.Seed
	recs   []arrival          // appended by set; sorted by key by seal
	failed map[string]outcome // objects not copied: conflicts and failures
}

// arrival is an object's path hash, size and SHA-256 prefix (zero when
// the content was not read: skipped without comparing).
type arrival struct {
	key  uint64
	size int64
	sha  uint64
}

func newArrivals() *arrivals {
	return &arrivals{seed: maphash.MakeSeed(), failed: map[string]outcome{}}
}

func (a *arrivals) key(path string) uint64 { return maphash.String(a.seed, path) }

// set records what arrived for path; sha is the SHA-256 in hex, "" if
// not known.
func (a *arrivals) set(path, sha string, size int64) {
	v := arrival{key: a.key(path), size: size, sha: shaPrefix(sha)}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recs = append(a.recs, v)
}

// seal sorts what arrived, once every object is done, for get; where a
// path was recorded twice, the last record wins.
func (a *arrivals) seal() {
	a.mu.Lock()
	defer a.mu.Unlock()
	slices.SortStableFunc(a.recs, func(x, y arrival) int { return cmp.Compare(x.key, y.key) })
	out := a.recs[:0]
	for i, r := range a.recs {
		if i+1 < len(a.recs) && a.recs[i+1].key == r.key {
			continue
		}
		out = append(out, r)
	}
	a.recs = slices.Clip(out)
}

// get returns what arrived for path (after seal).
func (a *arrivals) get(path string) (arrival, bool) {
	k := a.key(path)
	i, ok := slices.BinarySearchFunc(a.recs, k, func(r arrival, k uint64) int { return cmp.Compare(r.key, k) })
	if !ok {
		return arrival{}, false
	}
	return a.recs[i], true
}

// hasSHA reports whether the object's SHA-256 is known.
func (v arrival) hasSHA() bool { return v.sha != 0 }

// sameSHA reports whether the SHA-256 sha (hex) is the one that arrived,
// as far as its first 64 bits tell.
func (v arrival) sameSHA(sha string) bool { return shaPrefix(sha) == v.sha }

// shaPrefix is the first 64 bits of a SHA-256 given in hex, 0 if it is
// not one.
func shaPrefix(sha string) uint64 {
	if len(sha) != 64 {
		return 0
	}
	b, err := hex.DecodeString(sha[:16])
	if err != nil {
		return 0
	}
	if _, err := hex.DecodeString(sha[16:]); err != nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func (a *arrivals) fail(path string, o outcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failed[path] = o
}
