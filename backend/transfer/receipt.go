package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// pendingSums is the metadata's checksums of a download job, being read.
type pendingSums struct {
	done chan struct{}
	m    map[string]digest // set before done is closed
}

// wait gives the checksums once they are read.
func (p *pendingSums) wait() map[string]digest {
	<-p.done
	return p.m
}

// ready reports whether the checksums are read.
func (p *pendingSums) ready() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// settle takes the task's checksum from the metadata read, waiting for
// it if need be.
func (t *task) settle() {
	if t.sums != nil {
		t.want = t.sums.wait()[t.remote]
		t.sums = nil
	}
}

// digest is what a download is checked against: the checksums the
// metadata records for the object (either may be empty). sha256 is
// written "sha256:<hex>" whatever form the metadata used; other is a
// recorded checksum coop cannot check (another algorithm or form).
type digest struct{ sha256, crc32c, other string }

// checkable reports whether the metadata gives something to check.
func (d digest) checkable() bool { return d.sha256 != "" || d.crc32c != "" }

// receipt checks and counts the bytes of one download. With a CRC-32C
// recorded it checks that, which costs a twentieth of a SHA-256 and, for
// a ranged download, is computed by each range as it arrives (see
// backend.ContentHash); else it checks the SHA-256, of the metadata or
// else of the store, reading the bytes in order. A download that starts
// before the metadata is read computes both, and check picks.
type receipt struct {
	j    *job
	want digest
	// later, if set, gives want once the metadata is read (see settle).
	later func() digest
	sha   hash.Hash // without a CRC to check, or not known yet
	crc   uint32    // of the first n bytes, unless only sha is needed
	n     int64     // bytes checked, in order
	// counted is what went into the job's progress, taken back if the
	// download fails; ranges add to it from their own goroutines.
	counted atomic.Int64
	// unchecked is set by check when the metadata records a checksum
	// coop cannot check and the store offered none either.
	unchecked bool
}

// newReceipt prepares the check of t's download.
func newReceipt(j *job, t *task) *receipt {
	rx := &receipt{j: j, want: t.want}
	if t.sums != nil {
		rx.later = func() digest { t.settle(); return t.want }
	}
	if rx.later != nil || !rx.byCRC() {
		rx.sha = sha256.New()
	}
	return rx
}

// settle fixes the checksum before any byte is counted, dropping the
// hash that will not be needed.
func (rx *receipt) settle(want digest) {
	rx.want, rx.later = want, nil
	if rx.byCRC() {
		rx.sha = nil
	}
}

// byCRC reports whether the CRC-32C is what is checked.
func (rx *receipt) byCRC() bool { return rx.want.crc32c != "" }

// Write checks and counts the next bytes, in order. It never fails.
func (rx *receipt) Write(p []byte) (int, error) {
	if rx.sha != nil {
		rx.sha.Write(p)
	}
	if rx.sha == nil || rx.later != nil {
		rx.crc = backend.UpdateCRC32C(rx.crc, p)
	}
	rx.n += int64(len(p))
	rx.count(int64(len(p)))
	return len(p), nil
}

// count adds n bytes (or takes them back, n < 0) to the job's progress.
func (rx *receipt) count(n int64) {
	rx.counted.Add(n)
	rx.j.addBytes(n)
}

// uncount takes back all the progress of a failed download.
func (rx *receipt) uncount() { rx.count(-rx.counted.Load()) }

// addRange appends a range, already counted, by its CRC-32C.
func (rx *receipt) addRange(crc uint32, size int64) {
	rx.crc = backend.CombineCRC32C(rx.crc, crc, size)
	rx.n += size
}

// check compares what arrived with what the metadata records (or, with
// no entry, with the SHA-256 the store keeps, in info).
func (rx *receipt) check(info backend.ObjectInfo) error {
	if rx.later != nil {
		rx.want, rx.later = rx.later(), nil
	}
	if rx.byCRC() {
		if got := backend.FormatCRC32C(rx.crc); got != rx.want.crc32c {
			return fmt.Errorf("%w: content has CRC-32C %s, %s says %s (nothing written)", ErrChecksum, got, backend.MetadataFileName, rx.want.crc32c)
		}
		return nil
	}
	want, from := rx.want.sha256, backend.MetadataFileName
	if want == "" {
		want, from = info.Checksum, "the store"
	}
	got := "sha256:" + hex.EncodeToString(rx.sha.Sum(nil))
	switch backend.CompareSHA256(want, got) {
	case backend.ChecksumDiffers:
		return fmt.Errorf("%w: content has %s, %s says %s (nothing written)", ErrChecksum, got, from, want)
	case backend.ChecksumNotCheckable:
		rx.unchecked = rx.want.other != ""
	}
	return nil
}
