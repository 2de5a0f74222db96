package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// ErrChecksum is an item failure of a download whose content does not
// match the checksum recorded for it; nothing was written.
var ErrChecksum = errors.New("checksum mismatch")

// produceDownload finds the objects of a download job and queues them,
// each with the checksum the repository's metadata records for it. The
// metadata is read while the objects are looked up, and a folder's files
// are queued page by page as the listing comes, not after it.
func (q *Queue) produceDownload(j *job) error {
	spec := j.spec
	read := make(chan map[string]digest, 1)
	go func() { read <- q.checksums(j) }()
	var sums map[string]digest
	checksums := func() map[string]digest {
		if sums == nil {
			sums = <-read
		}
		return sums
	}
	defer checksums() // the reader is done before the job is
	if spec.Kind == DownloadFile {
		info, err := q.store.StatObject(j.ctx, spec.Repo, spec.Remote)
		if err != nil {
			return err
		}
		q.cleanLocalOnce(j, filepath.Dir(spec.Local))
		j.addTotal(info.Size)
		if j.isDone(spec.Remote) {
			j.addUnmoved(info.Size)
			j.itemDone(spec.Remote, false)
			return nil
		}
		_ = q.add(&task{job: j, op: opDownload, local: spec.Local, remote: spec.Remote, size: info.Size, want: checksums()[spec.Remote]})
		return nil
	}
	err := q.walkRemote(j.ctx, spec.Repo, spec.Remote, func(page []backend.Entry) error {
		var items []*task
		for _, e := range page {
			rel := strings.TrimPrefix(e.Path, spec.Remote+"/")
			if spec.Remote == "" {
				rel = e.Path
			}
			local, err := localTarget(spec.Local, rel)
			if err != nil {
				j.itemFailed(e.Path, err)
				continue
			}
			if e.IsDir() {
				if err := os.MkdirAll(local, 0o755); err != nil {
					j.localFailed(local, localError(err))
				}
				continue
			}
			j.addTotal(e.Size)
			items = append(items, &task{job: j, op: opDownload, local: local, remote: e.Path, size: e.Size, want: checksums()[e.Path]})
		}
		for _, t := range items {
			if j.isDone(t.remote) {
				j.addUnmoved(t.size)
				j.itemDone(t.remote, false)
				continue
			}
			if err := q.add(t); err != nil {
				return err // cancelled: not a failure, see job.itemFailed
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.counted()
	return nil
}

// checksums reads the checksums the metadata records for each file. A
// repository without readable metadata gives none: downloads are then
// checked only against what the store itself keeps.
func (q *Queue) checksums(j *job) map[string]digest {
	sums := map[string]digest{}
	_, err := q.store.ReadMetadata(j.ctx, j.spec.Repo, j.spec.Remote, func(page []backend.MetadataEntry) error {
		for _, e := range page {
			m := e.Meta
			if m.Type == backend.TypeDirectory || m.Problem != "" {
				continue
			}
			d := digest{}
			if h, ok := backend.SHA256Hex(m.Checksum); ok {
				d.sha256 = "sha256:" + h
			} else {
				d.other = m.Checksum
			}
			if _, err := backend.ParseCRC32C(m.CRC32C); err == nil {
				d.crc32c = m.CRC32C
			}
			if d != (digest{}) {
				sums[e.Path] = d
			}
		}
		return nil
	})
	if err != nil {
		return map[string]digest{}
	}
	return sums
}

// localTarget places a repository-relative path under a local folder,
// refusing names that would land outside it or that this system cannot
// hold.
func localTarget(root, rel string) (string, error) {
	if strings.ContainsRune(rel, 0) || (filepath.Separator == '\\' && strings.ContainsAny(rel, `\:`)) {
		return "", fmt.Errorf("%w: this system cannot hold a file of that name", backend.ErrInvalid)
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	if r, err := filepath.Rel(root, p); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: name leads outside %s", backend.ErrInvalid, root)
	}
	return p, nil
}

// download writes one object to a local file: into a locked temporary
// file beside it, checked on the way against the checksum the metadata
// records (see receipt), then renamed into place, so that a killed
// process never leaves a partial file under the final name. (It is not
// synced: like cp, a download trusts the page cache, and a power cut may
// lose it.)
func (q *Queue) download(t *task) {
	j := t.job
	policy := j.conflictPolicy()
	if t.overwrite {
		policy = Overwrite
	}
	if fi, err := os.Lstat(t.local); err == nil {
		if fi.IsDir() {
			q.failLocal(t, fmt.Errorf("%w: a folder is in the way", backend.ErrExists))
			return
		}
		if policy != Overwrite {
			q.localConflict(t, policy)
			return
		}
	}
	dir := filepath.Dir(t.local)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		q.failLocal(t, localError(err))
		return
	}
	q.cleanLocalOnce(j, dir)
	part, err := createPart(dir)
	if err != nil {
		q.failLocal(t, localError(err))
		return
	}
	rx := newReceipt(j, t.want)
	info, err := q.fetch(t, part.f, rx)
	if err == nil && info.Size >= 0 && rx.n != info.Size {
		err = fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, rx.n, info.Size)
	}
	if err == nil {
		err = rx.check(info)
	}
	if err == nil {
		err = part.commit(t.local, policy != Overwrite)
	} else {
		part.discard()
	}
	var lw *localWriteError
	switch {
	case err == nil:
		if rx.unchecked {
			j.unchecked.Add(1)
		}
		q.succeed(t, false)
		return
	case errors.Is(err, errLocalExists):
		rx.uncount()
		q.localConflict(t, policy)
	case errors.As(err, &lw):
		rx.uncount()
		q.failLocal(t, localError(lw.err))
	default:
		rx.uncount()
		q.fail(t, err)
	}
}

// fetch copies the object into f, through rx (which checks and counts):
// in parallel ranges for a large object on a store that serves ranges,
// else in one stream.
func (q *Queue) fetch(t *task, f *os.File, rx *receipt) (backend.ObjectInfo, error) {
	j := t.job
	ranged := backend.CapabilitiesOf(q.store).RangeGet != nil
	if ranged && t.size >= 2*rangePart {
		info, err := q.store.StatObject(j.ctx, j.spec.Repo, t.remote)
		if err != nil {
			return info, err
		}
		return info, q.fetchRanges(j.ctx, j.spec.Repo, t.remote, info, f, rx)
	}
	var body io.ReadCloser
	var info backend.ObjectInfo
	var err error
	if ranged && t.want.checkable() && t.size >= 0 {
		// The metadata's checksum is checked here: no need for the
		// store's as well (the SDK would hash the body a second time).
		info = backend.ObjectInfo{Path: t.remote, Size: t.size}
		body, err = backend.GetObjectRange(j.ctx, q.store, j.spec.Repo, t.remote, 0, -1, "")
	} else {
		body, info, err = q.store.GetObject(j.ctx, j.spec.Repo, t.remote)
	}
	if err != nil {
		return info, err
	}
	defer body.Close()
	buf := make([]byte, min(copyBuffer, max(t.size+1, 32<<10))) // not 1 MiB for each small file
	_, err = io.CopyBuffer(io.MultiWriter(fileWriter{f}, rx), &ctxReader{ctx: j.ctx, r: body}, buf)
	return info, err
}

// fileWriter writes to a local file, marking its failures as local.
type fileWriter struct{ f *os.File }

// Write writes to the file.
func (w fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = &localWriteError{err}
	}
	return n, err
}

// localConflict settles a download whose local file exists, as policy says.
func (q *Queue) localConflict(t *task, policy Policy) {
	switch policy {
	case Skip:
		q.succeed(t, true)
	case Ask:
		q.release(t)
		t.job.park(t)
	default:
		q.failLocal(t, ErrWouldOverwrite)
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
// else of the store, reading the bytes in order.
type receipt struct {
	j    *job
	want digest
	sha  hash.Hash // without a CRC to check
	crc  uint32    // of the first n bytes, with one
	n    int64     // bytes checked, in order
	// counted is what went into the job's progress, taken back if the
	// download fails; ranges add to it from their own goroutines.
	counted atomic.Int64
	// unchecked is set by check when the metadata records a checksum
	// coop cannot check and the store offered none either.
	unchecked bool
}

// newReceipt prepares the check of a download.
func newReceipt(j *job, want digest) *receipt {
	rx := &receipt{j: j, want: want}
	if !rx.byCRC() {
		rx.sha = sha256.New()
	}
	return rx
}

// byCRC reports whether the CRC-32C is what is checked.
func (rx *receipt) byCRC() bool { return rx.want.crc32c != "" }

// Write checks and counts the next bytes, in order. It never fails.
func (rx *receipt) Write(p []byte) (int, error) {
	if rx.sha != nil {
		rx.sha.Write(p)
	} else {
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

// localWriteError marks a failure to write the local file (a full disk),
// as opposed to a failure to read the object.
type localWriteError struct{ err error }

// Error is the file system's message.
func (e *localWriteError) Error() string { return e.err.Error() }

// Unwrap gives the file system's error.
func (e *localWriteError) Unwrap() error { return e.err }
