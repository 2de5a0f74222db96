package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/coopterm/coop/backend"
)

// ErrChecksum is an item failure of a download whose content does not
// match the SHA-256 recorded for it; nothing was written.
var ErrChecksum = errors.New("checksum mismatch")

// produceDownload finds the objects of a download job and queues them,
// each with the checksum the repository's metadata records for it.
func (q *Queue) produceDownload(j *job) error {
	spec := j.spec
	sums := q.checksums(j)
	if spec.Kind == DownloadFile {
		info, err := q.store.StatObject(j.ctx, spec.Repo, spec.Remote)
		if err != nil {
			return err
		}
		q.cleanLocalOnce(j, filepath.Dir(spec.Local))
		j.addTotal(info.Size)
		if j.isDone(spec.Remote) {
			j.addBytes(info.Size)
			j.itemDone(spec.Remote, false)
			return nil
		}
		_ = q.add(&task{job: j, op: opDownload, local: spec.Local, remote: spec.Remote, size: info.Size, want: sums[spec.Remote]})
		return nil
	}
	var items []*task
	err := q.walkRemote(j.ctx, spec.Repo, spec.Remote, func(page []backend.Entry) error {
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
			items = append(items, &task{job: j, op: opDownload, local: local, remote: e.Path, size: e.Size, want: sums[e.Path]})
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.counted()
	for _, t := range items {
		if j.isDone(t.remote) {
			j.addBytes(t.size)
			j.itemDone(t.remote, false)
			continue
		}
		if err := q.add(t); err != nil {
			return err // cancelled: not a failure, see job.itemFailed
		}
	}
	return nil
}

// checksums reads the SHA-256 the metadata records for each file. A
// repository without readable metadata gives none: downloads are then
// checked only against what the store itself keeps.
func (q *Queue) checksums(j *job) map[string]string {
	md, err := q.store.ReadMetadata(j.ctx, j.spec.Repo)
	if err != nil {
		return nil
	}
	prefix := j.spec.Remote + "/"
	sums := map[string]string{}
	for p, m := range md.Objects {
		if m.Checksum == "" || m.Type == backend.TypeDirectory {
			continue
		}
		if p == j.spec.Remote || j.spec.Remote == "" || strings.HasPrefix(p, prefix) {
			sums[p] = m.Checksum
		}
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
// file beside it, hashed on the way, checked against the recorded
// SHA-256, then renamed into place, so that a killed process never leaves
// a partial file under the final name. (It is not synced: like cp, a
// download trusts the page cache, and a power cut may lose it.)
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
	h := sha256.New()
	cw := &countingWriter{w: h, j: j}
	info, err := q.fetch(t, part.f, cw)
	if err == nil && info.Size >= 0 && cw.n != info.Size {
		err = fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, cw.n, info.Size)
	}
	sum := "sha256:" + hex.EncodeToString(h.Sum(nil))
	want := t.want
	if want == "" {
		want = info.Checksum
	}
	if err == nil && want != "" && want != sum {
		err = fmt.Errorf("%w: content has %s, %s says %s (nothing written)", ErrChecksum, sum, backend.MetadataFileName, want)
	}
	if err == nil {
		err = part.commit(t.local, policy != Overwrite)
	} else {
		part.discard()
	}
	var lw *localWriteError
	switch {
	case err == nil:
		q.succeed(t, false)
		return
	case errors.Is(err, errLocalExists):
		j.addBytes(-cw.n)
		q.localConflict(t, policy)
	case errors.As(err, &lw):
		j.addBytes(-cw.n)
		q.failLocal(t, localError(lw.err))
	default:
		j.addBytes(-cw.n)
		q.fail(t, err)
	}
}

// fetch copies the object into f, and in order through sum (which hashes
// and counts): in parallel ranges for a large object on a store that
// serves ranges, else in one stream.
func (q *Queue) fetch(t *task, f *os.File, sum io.Writer) (backend.ObjectInfo, error) {
	j := t.job
	if _, ranged := q.store.(backend.RangeGetter); ranged && t.size >= 2*rangePart {
		info, err := q.store.StatObject(j.ctx, j.spec.Repo, t.remote)
		if err != nil {
			return info, err
		}
		return info, q.fetchRanges(j.ctx, j.spec.Repo, t.remote, info, f, sum)
	}
	var body io.ReadCloser
	var info backend.ObjectInfo
	var err error
	if _, ranged := q.store.(backend.RangeGetter); ranged && t.want != "" && t.size >= 0 {
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
	_, err = io.CopyBuffer(io.MultiWriter(fileWriter{f}, sum), &ctxReader{ctx: j.ctx, r: body}, buf)
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

// countingWriter counts bytes written into the job's progress (it sits
// before the hash, which never fails).
type countingWriter struct {
	w io.Writer
	j *job
	n int64
}

// Write writes through, counting.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.j.addBytes(int64(n))
	return n, err
}

// localWriteError marks a failure to write the local file (a full disk),
// as opposed to a failure to read the object.
type localWriteError struct{ err error }

// Error is the file system's message.
func (e *localWriteError) Error() string { return e.err.Error() }

// Unwrap gives the file system's error.
func (e *localWriteError) Unwrap() error { return e.err }
