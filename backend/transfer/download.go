package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/coopterm/coop/backend"
)

// ErrChecksum is an item failure of a download whose content does not
// match the checksum recorded for it; nothing was written.
var ErrChecksum = errors.New("checksum mismatch")

// produceDownload finds the objects of a download job and queues them,
// each with the checksum the repository's metadata records for it. The
// metadata is read while the objects are looked up, and a folder's files
// are queued page by page as the listing comes, not after it. A file
// whose object the caller already knows (Spec.Object) is queued at once:
// its checksum is then read while it downloads.
func (q *Queue) produceDownload(j *job) error {
	spec := j.spec
	walk := func(fn func([]backend.Entry) error) error { return q.walkRemote(j.ctx, spec.Repo, spec.Remote, fn) }
	var sums *pendingSums
	if pf := spec.Prefetch; pf.take(spec) {
		sums = pf.sums
		walk = func(fn func([]backend.Entry) error) error { return pf.walk(j.ctx, fn) }
		if spec.Kind == DownloadFile {
			pf.StopListing() // a file's path lists nothing
		}
	} else {
		sums = &pendingSums{done: make(chan struct{})}
		go func() {
			defer close(sums.done)
			sums.m = readChecksums(j.ctx, q.store, spec.Repo, spec.Remote)
		}()
	}
	defer sums.wait() // the reader is done before the job is
	if spec.Kind == DownloadFile {
		t := &task{job: j, op: opDownload, local: spec.Local, remote: spec.Remote, known: spec.Object}
		if t.known == nil {
			info, err := q.store.StatObject(j.ctx, spec.Repo, spec.Remote)
			if err != nil {
				return err
			}
			t.known = &info
		}
		t.size = t.known.Size
		q.cleanLocalOnce(j, filepath.Dir(spec.Local))
		j.addTotal(t.size)
		if j.isDone(spec.Remote) {
			j.addUnmoved(t.size)
			j.itemDone(spec.Remote, false)
			return nil
		}
		t.sums = sums
		_ = q.add(t)
		return nil
	}
	err := walk(func(page []backend.Entry) error {
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
			t := &task{job: j, op: opDownload, local: local, remote: e.Path, size: e.Size}
			if sums.ready() || e.Size > copyBuffer {
				t.want = sums.wait()[e.Path]
			} else {
				t.sums = sums // a small file: not waited for here (see fetch)
			}
			items = append(items, t)
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

// readChecksums reads the checksums the metadata records for each file
// at and below remote. A repository without readable metadata gives
// none: downloads are then checked only against what the store itself
// keeps.
func readChecksums(ctx context.Context, store backend.Store, repo backend.RepoRef, remote string) map[string]digest {
	sums := map[string]digest{}
	_, err := store.ReadMetadata(ctx, repo, remote, func(page []backend.MetadataEntry) error {
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
	q.cleanLocalOnce(j, dir)
	if t.sums != nil && t.sums.ready() {
		t.settle()
	}
	rx := newReceipt(j, t)
	part := &partWriter{dir: dir}
	info, err := q.fetch(t, part, rx)
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

// fetch copies the object into part, through rx (which checks and
// counts): in parallel ranges for a large object on a store that serves
// ranges, else in one stream.
func (q *Queue) fetch(t *task, part *partWriter, rx *receipt) (backend.ObjectInfo, error) {
	j := t.job
	ranged := backend.CapabilitiesOf(q.store).RangeGet != nil
	if ranged && t.size >= 2*rangePart {
		// Ranges are checked as they come: the checksum must be known.
		t.settle()
		rx.settle(t.want)
		info, err := q.rangeSource(t)
		if err != nil {
			return info, err
		}
		f, err := part.open()
		if err != nil {
			return info, err
		}
		return info, q.fetchRanges(j.ctx, j.spec.Repo, t.remote, info, f, rx)
	}
	var body io.ReadCloser
	var info backend.ObjectInfo
	var err error
	// The metadata's checksum is checked here: no need for the store's
	// as well (the SDK would hash the body a second time). A small file
	// queued before the metadata's checksums were read (a folder's first
	// files when the metadata is not in the local index: its document
	// is fetched meanwhile) is asked for now all the same, and its
	// checksum waited for before a byte of it is read, so that its GET
	// and the document's go together; one the metadata turns out to
	// record no checksum for is asked for again, with the store's.
	early := t.sums != nil && t.size <= copyBuffer
	if ranged && t.size >= 0 && (early || t.sums == nil && t.want.checkable()) {
		info = backend.ObjectInfo{Path: t.remote, Size: t.size}
		body, err = backend.GetObjectRange(j.ctx, q.store, j.spec.Repo, t.remote, 0, -1, "")
		if err == nil && t.sums != nil {
			t.settle()
			rx.settle(t.want)
			if !t.want.checkable() {
				_ = body.Close()
				body = nil
			}
		}
	}
	if body == nil && err == nil {
		body, info, err = q.store.GetObject(j.ctx, j.spec.Repo, t.remote)
	}
	if err != nil {
		return info, err
	}
	defer body.Close()
	buf := q.bufs.get(copySize(t.size))
	defer q.bufs.put(buf)
	return info, spool(j.ctx, part, body, rx, *buf)
}

// rangeSource is the object a ranged download reads: as the job found
// it, if that gives its version (so that every range is of the same
// content, and the store's checksum came with it); else as the store
// says now.
func (q *Queue) rangeSource(t *task) (backend.ObjectInfo, error) {
	if k := t.known; k != nil && k.ETag != "" && k.Size == t.size {
		return *k, nil
	}
	return q.store.StatObject(t.job.ctx, t.job.spec.Repo, t.remote)
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

// localWriteError marks a failure to write the local file (a full disk),
// as opposed to a failure to read the object.
type localWriteError struct{ err error }

// Error is the file system's message.
func (e *localWriteError) Error() string { return e.err.Error() }

// Unwrap gives the file system's error.
func (e *localWriteError) Unwrap() error { return e.err }
