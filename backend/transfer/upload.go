package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coopterm/coop/backend"
)

// precheckSize is the size from which an upload that must not replace an
// object asks first whether one is there, rather than learn it only
// after sending everything.
const precheckSize = 64 << 20

// finishSize is the size up to which an upload in flight is let finish
// when its job is cancelled: a small PUT cut off after its body has gone
// may still land on the server, and then its metadata entry would be
// missing. Larger uploads are aborted (their multipart upload removed).
const finishSize = 4 << 20

// produceUpload finds the files of an upload job and queues them.
func (q *Queue) produceUpload(j *job) error {
	spec := j.spec
	// A folder is walked while the repository is looked up (from
	// Prepare on, if the caller prepared the job): what it finds is
	// counted (and its files' failures reported) only once the job may
	// go on, so a job refused here counts no files. A walk Prepare
	// started is taken whatever follows, and ends with the job's driver.
	var w *walk
	defer func() {
		if w != nil {
			w.stop()
			<-w.done
		}
	}()
	if spec.Kind == UploadTree {
		w = q.takeWalk(spec)
	}
	fi, err := os.Stat(spec.Local)
	if err != nil {
		return localError(err)
	}
	// Whether the repository has a document (and, if not, which objects
	// it holds, for the first metadata write) is asked beside the
	// repository's lookup and the transfers, not after them.
	q.checkDocument(spec.Repo, backend.JoinPath(spec.Remote, "x"))
	if spec.Kind == UploadTree && fi.IsDir() {
		if w == nil {
			w = q.startWalk(spec)
		}
		defer context.AfterFunc(j.ctx, w.stop)()
	}
	// Stores create folders as they write: a missing repository must be
	// caught here, not made by accident. Where the store can send a PUT
	// gated (backend.Gate), the first wave goes while the answer comes;
	// its PUTs complete only once the job is admitted and counted.
	admitted := make(chan struct{})
	var admitErr error
	go func() {
		defer close(admitted)
		admitErr = q.admitUpload(j)
	}()
	var gate *backend.Gate
	var early []uploadItem
	if gp := backend.CapabilitiesOf(q.store).GatedPut; gp != nil {
		gate = backend.NewGate()
		j.gate.Store(gate)
		// Every way out settles it: a first wave never waits for nothing.
		defer func() { gate.Settle(errNotAdmitted) }()
		early = q.sendFirstWave(j, gp, fi, w, admitted)
	}
	<-admitted
	if admitErr != nil {
		if gate != nil {
			gate.Settle(admitErr)
		}
		return admitErr
	}
	if spec.Kind == UploadFile {
		if fi.IsDir() {
			return fmt.Errorf("%w: is a folder (upload it as a folder)", backend.ErrInvalid)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%w: not a regular file", backend.ErrInvalid)
		}
		if len(early) > 0 {
			j.addTotal(fi.Size())
		}
		if gate != nil {
			gate.Settle(nil)
		}
		q.cleanBehind(j, backend.ParentFolder(spec.Remote), false)
		return q.queueUploads(j, []uploadItem{{local: spec.Local, remote: spec.Remote, size: fi.Size()}}[len(early):])
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: not a folder", backend.ErrInvalid)
	}
	w.j = j
	close(w.ready) // from here on the walk counts what it finds as it goes
	<-w.done
	if w.err != nil {
		return localError(w.err)
	}
	w.report()
	j.counted()
	if gate != nil {
		gate.Settle(nil)
	}
	q.cleanBehind(j, spec.Remote, true)
	return q.queueUploads(j, w.items[len(early):])
}

// errNotAdmitted cuts off the first wave of a job that ended before it
// was admitted (see produceUpload).
var errNotAdmitted = errors.New("upload not admitted")

// admitUpload says whether j's upload may go on: its repository exists
// and, where the store checks permissions, the caller may write there.
func (q *Queue) admitUpload(j *job) error {
	spec := j.spec
	if _, err := q.store.GetRepository(j.ctx, spec.Repo.AccountID, spec.Repo.RepositoryID); err != nil {
		return err
	}
	// A store that checks permissions refuses the job once, not each file.
	if c, ok := q.store.(uploadChecker); ok {
		if err := c.CheckUpload(j.ctx, spec.Repo, backend.JoinPath(spec.Remote, "x")); err != nil {
			return err
		}
	}
	return nil
}

// sendFirstWave queues, before j is admitted, the files of its first
// wave that the store sends gated (gp): a single file at once; a folder's
// first files (up to a worker each) if its walk ends before the
// admission does — else none, and the job goes on as if the store sent
// nothing gated. It returns the items queued, the first of the job's.
func (q *Queue) sendFirstWave(j *job, gp backend.GatedPutter, fi os.FileInfo, w *walk, admitted <-chan struct{}) []uploadItem {
	spec := j.spec
	var items []uploadItem
	switch {
	case spec.Kind == UploadFile:
		if !fi.Mode().IsRegular() {
			return nil
		}
		items = []uploadItem{{local: spec.Local, remote: spec.Remote, size: fi.Size()}}
	case w != nil && fi.IsDir():
		select {
		case <-w.done:
		case <-admitted:
			return nil
		}
		if w.err != nil {
			return nil
		}
		items = w.items[:min(len(w.items), q.opts.Workers)]
	}
	n := 0
	for _, it := range items {
		if !gp.GatesPut(it.size) || j.isDone(it.remote) {
			break
		}
		if q.add(&task{job: j, op: opUpload, local: it.local, remote: it.remote, size: it.size}) != nil {
			break // cancelled: settled by add
		}
		n++
	}
	return items[:n]
}

// Prepare starts what a job of spec will ask the store before its
// transfers and needs no answer from them — for an upload, whether the
// repository has a metadata document (and, if not, the listing of the
// objects already there) and the walk of a folder — so that a caller
// that looks things up before it submits the job (the repository, the
// target) has it done beside those requests. The job asks nothing twice
// and takes the walk, which sees the folder as it was at Prepare: a job
// is prepared just before it is submitted. Preparing a spec that is
// never submitted costs those requests, and its walk (at most
// preparedWalks of them are held, until Close).
func (q *Queue) Prepare(spec Spec) {
	k := spec.Kind
	if (k != UploadFile && k != UploadTree) || checkSpec(spec) != nil {
		return
	}
	q.checkDocument(spec.Repo, backend.JoinPath(spec.Remote, "x"))
	if k == UploadTree {
		q.mu.Lock()
		if key := walkKeyOf(spec); !q.closed && q.walks[key] == nil && len(q.walks) < preparedWalks {
			q.walks[key] = q.startWalk(spec)
		}
		q.mu.Unlock()
	}
	// The connections of the first wave of files, opened while the
	// caller's lookups go (see backend.Warmer).
	if w := backend.CapabilitiesOf(q.store).Warm; w != nil {
		n := 1
		if k == UploadTree {
			n = countFiles(spec.Local, q.opts.Workers)
		}
		w.WarmUp(n + 2) // and the listing and the clean-up beside them
	}
}

// countFiles counts the regular files under root, up to most: a glance
// at how many files a folder's upload starts with, before its walk.
func countFiles(root string, most int) int {
	n := 0
	_ = filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		if n >= most {
			return fs.SkipAll
		}
		return nil
	})
	return n
}

// uploadChecker is a store that can say, before any byte is sent,
// whether an upload to path would be allowed (backend/access has it).
type uploadChecker interface {
	CheckUpload(ctx context.Context, repo backend.RepoRef, path string) error
}

// uploadItem is one file found for an upload.
type uploadItem struct {
	local, remote string
	size          int64
}

// walk lists the files of a folder to upload for its job, going on past
// the files that cannot be uploaded (unreadable, not regular, a name the
// store refuses). What it finds is counted into the job's totals, and
// those files failed, only once ready is closed (the job may go on; j is
// set before): from then on as it finds them, before that by the first
// report after. The walk's goroutine and, once done is closed, the job's
// driver report, never both at once.
type walk struct {
	j     *job
	ready chan struct{}
	done  chan struct{}
	stop  context.CancelFunc
	items []uploadItem
	// failed are the files found that cannot be uploaded.
	failed []localFailure
	// counted and reported are how many of items and failed the job
	// has been told of.
	counted, reported int
	err               error
}

// preparedWalks bounds the walks Prepare holds for jobs not yet
// submitted (their files' names, a stat each): the jobs of more are
// walked once submitted, as if not prepared.
const preparedWalks = 16

// walkKey names the walk a prepared job takes.
type walkKey struct {
	repo          backend.RepoRef
	local, remote string
}

func walkKeyOf(spec Spec) walkKey { return walkKey{spec.Repo, spec.Local, spec.Remote} }

// startWalk starts the walk of spec's folder (the caller's goroutine
// touches no disk); its stop ends it early.
func (q *Queue) startWalk(spec Spec) *walk {
	ctx, stop := context.WithCancel(q.ctx)
	w := &walk{ready: make(chan struct{}), done: make(chan struct{}), stop: stop}
	go func() {
		defer close(w.done)
		defer stop()
		w.run(ctx, spec.Local, spec.Remote)
		if q.opts.walked != nil {
			q.opts.walked()
		}
	}()
	return w
}

// takeWalk returns the walk Prepare started for spec, if any, and
// forgets it: a second job of the same spec walks the folder again.
func (q *Queue) takeWalk(spec Spec) *walk {
	key := walkKeyOf(spec)
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.walks[key]
	delete(q.walks, key)
	return w
}

// localFailure is a file a walk found but cannot upload.
type localFailure struct {
	path string
	err  error
}

// report tells the job what the walk found since it last did.
func (w *walk) report() {
	for _, f := range w.failed[w.reported:] {
		w.j.localFailed(f.path, f.err)
	}
	w.reported = len(w.failed)
	for _, it := range w.items[w.counted:] {
		w.j.addTotal(it.size)
	}
	w.counted = len(w.items)
}

// reportIfReady reports once the job may go on.
func (w *walk) reportIfReady() {
	select {
	case <-w.ready:
		w.report()
	default:
	}
}

// run walks root, a folder, whose files go under dest; ctx stops it.
func (w *walk) run(ctx context.Context, root, dest string) {
	// Prepare starts a walk without looking at the path, and it may
	// change before the job looks: a file is not walked as a folder.
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		w.err = err
		if err == nil {
			w.err = fmt.Errorf("%w: not a folder", backend.ErrInvalid)
		}
		return
	}
	fail := func(p string, err error) {
		w.failed = append(w.failed, localFailure{p, err})
		w.reportIfReady()
	}
	w.err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if p == root {
				return err
			}
			fail(p, localError(err))
			return nil // WalkDir skips an unreadable folder by itself
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			fail(p, err)
			return nil
		}
		remote := backend.JoinPath(dest, filepath.ToSlash(rel))
		if err := backend.ValidatePath(remote, false); err != nil {
			fail(p, fmt.Errorf("cannot be stored under that name: %w", err))
			return nil
		}
		fi, err := os.Stat(p) // follows a symlink to a file
		switch {
		case err != nil:
			fail(p, localError(err))
			return nil
		case fi.IsDir():
			fail(p, fmt.Errorf("%w: a symlink to a folder (not followed)", backend.ErrInvalid))
			return nil
		case !fi.Mode().IsRegular():
			fail(p, fmt.Errorf("%w: not a regular file", backend.ErrInvalid))
			return nil
		}
		w.items = append(w.items, uploadItem{local: p, remote: remote, size: fi.Size()})
		w.reportIfReady()
		return nil
	})
}

// queueUploads counts (for a single file) and queues the items, skipping
// those an earlier run finished.
func (q *Queue) queueUploads(j *job, items []uploadItem) error {
	single := j.spec.Kind == UploadFile
	for _, it := range items {
		if single {
			j.addTotal(it.size)
		}
		if j.isDone(it.remote) {
			j.addUnmoved(it.size)
			j.itemDone(it.remote, false)
			continue
		}
		if err := q.add(&task{job: j, op: opUpload, local: it.local, remote: it.remote, size: it.size}); err != nil {
			return err // cancelled: not a failure, see job.itemFailed
		}
	}
	return nil
}

// upload stores one file.
func (q *Queue) upload(t *task) {
	j := t.job
	store := q.store
	f, err := openRegular(t.local)
	if err != nil {
		q.failLocal(t, err)
		return
	}
	src, err := newSource(f, j)
	if err != nil {
		f.Close()
		q.failLocal(t, err)
		return
	}
	policy := j.conflictPolicy()
	if t.overwrite {
		policy = Overwrite
	}
	ctx := j.ctx
	if src.size <= finishSize {
		ctx = context.WithoutCancel(ctx)
	}
	gate := j.gate.Load()
	ctx = backend.WithGate(ctx, gate)
	var info backend.ObjectInfo
	if policy == Overwrite {
		info, err = store.PutObject(ctx, j.spec.Repo, t.remote, src, src.size)
	} else {
		info, err = q.putIfAbsent(ctx, t, src)
	}
	f.Close()
	if err != nil {
		j.addBytes(-src.n)
		// A PUT of the first wave may be answered (a name taken, say)
		// before the job is admitted: nothing of it counts until then,
		// and nothing at all if the job is refused.
		if gate != nil {
			<-gate.Done()
			if gate.Refused() != nil {
				q.release(t)
				q.complete(t)
				return
			}
		}
		if errors.Is(err, backend.ErrObjectExists) && policy != Overwrite {
			q.conflict(t, policy)
			return
		}
		if j.ctx.Err() != nil && src.n == src.size && q.landed(t) {
			return
		}
		q.fail(t, err)
		return
	}
	q.record(t, t.remote, &info, false)
}

// putIfAbsent stores t's file unless its name is taken. For a large file
// the store is also asked, beside the upload rather than before it,
// whether the name is taken: an object found there stops the upload
// (the store would refuse to replace it at the end anyway; asking saves
// sending the rest), without a round trip before the first byte. The
// answer counts only while the file is not yet read to its end: until
// then the upload cannot have finished, so an object found is not the
// one being sent.
func (q *Queue) putIfAbsent(ctx context.Context, t *task, src *source) (backend.ObjectInfo, error) {
	repo := t.job.spec.Repo
	if src.size < precheckSize {
		return backend.PutObjectIfAbsent(ctx, q.store, repo, t.remote, src, src.size)
	}
	pctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() {
		if _, err := q.store.StatObject(pctx, repo, t.remote); err == nil && !src.ended.Load() {
			stop(backend.ErrObjectExists)
		}
	}()
	info, err := backend.PutObjectIfAbsent(pctx, q.store, repo, t.remote, src, src.size)
	if err != nil && errors.Is(context.Cause(pctx), backend.ErrObjectExists) {
		err = fmt.Errorf("put %s/%s: %w", repo, t.remote, backend.ErrObjectExists)
	}
	return info, err
}

// landed settles a large upload cancelled after the whole file was sent:
// the store may have stored it before the cancel reached it, and then its
// metadata entry is due all the same. It looks a few times, as the store
// may still be finishing, and reports whether the object is there with
// the file's content (stores that keep no checksum cannot tell).
func (q *Queue) landed(t *task) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(q.ctx), metaFlushTimeout)
	defer cancel()
	for try := range 3 {
		if info, same := q.identical(ctx, t.job.spec.Repo, t); same {
			t.job.addBytes(info.Size)
			q.record(t, t.remote, &info, false)
			return true
		}
		_ = backend.Sleep(ctx, time.Duration(try+1)*200*time.Millisecond)
	}
	return false
}

// conflict settles an upload whose name is taken, as policy says. An
// object with exactly the content of the file (same SHA-256) is not a
// conflict: it is recorded and counted as skipped, so that running an
// upload again after a partial failure redoes only what is missing or
// different. That is also how an upload whose answer was lost (a dropped
// connection after the store had it all) is recognised when it is tried
// again.
func (q *Queue) conflict(t *task, policy Policy) {
	j := t.job
	if info, same := q.identical(j.ctx, j.spec.Repo, t); same {
		j.addUnmoved(info.Size)
		q.record(t, t.remote, &info, true)
		return
	}
	switch policy {
	case Skip:
		q.succeed(t, true)
	case Ask:
		q.release(t)
		j.park(t)
	default:
		q.fail(t, ErrWouldOverwrite)
	}
}

// identical reports whether the object at t.remote holds the content of
// t.local: by the SHA-256 the store keeps, or, for an object up to
// compareSize whose store keeps none (a local store, an S3 multipart
// object), by reading it. The info it returns for an identical object
// carries the file's checksums, for its metadata entry.
func (q *Queue) identical(ctx context.Context, repo backend.RepoRef, t *task) (backend.ObjectInfo, bool) {
	info, err := q.store.StatObject(ctx, repo, t.remote)
	if err != nil || info.ContentType == backend.DirectoryContentType {
		return info, false
	}
	// A file of another size differs: no need to read it.
	if fi, err := os.Stat(t.local); err != nil || fi.Size() != info.Size {
		return info, false
	}
	local, err := hashFile(t.local)
	if err != nil || local.Len() != info.Size {
		return info, false
	}
	info.Path = t.remote
	if info.Checksum == "" {
		if info.Size > compareSize {
			return info, false
		}
		rc, _, err := q.store.GetObject(ctx, repo, t.remote)
		if err != nil {
			return info, false
		}
		h := backend.NewContentHash()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return info, false
		}
		info.Checksum = h.SHA256()
	}
	if info.Checksum != local.SHA256() {
		return info, false
	}
	info.CRC32C = local.CRC32C()
	return info, true
}

// compareSize is the largest object read back to compare with a file.
const compareSize = 64 << 20

// hashFile returns the checksums of a local file.
func hashFile(p string) (*backend.ContentHash, error) {
	f, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := backend.NewContentHash()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h, nil
}

// openRegular opens a local file for reading, refusing anything but a
// regular file (a FIFO would block, a device could do anything).
func openRegular(p string) (*os.File, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, localError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", backend.ErrInvalid)
	}
	f, err := openRead(p)
	if err != nil {
		return nil, localError(err)
	}
	return f, nil
}

// localError rewords what the local file system said, for one-line
// messages.
func localError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: no such file or folder", backend.ErrNotFound)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: permission denied", backend.ErrUnauthorized)
	}
	return err
}

// source is a local file being uploaded: it counts bytes into the job's
// progress and, at the end, fails with ErrChanged if the file changed
// while it was read, so the store keeps nothing.
type source struct {
	f    *os.File
	j    *job
	size int64
	mod  int64 // modification time when opened, in nanoseconds
	n    int64
	// ended is set once the whole file has been read.
	ended atomic.Bool
}

func newSource(f *os.File, j *job) (*source, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, localError(err)
	}
	return &source{f: f, j: j, size: fi.Size(), mod: fi.ModTime().UnixNano()}, nil
}

// Read reads the file, counting progress and checking for change: a
// byte beyond the size it had when opened, or a new size or time at EOF.
func (s *source) Read(p []byte) (int, error) {
	rem := s.size - s.n
	if int64(len(p)) > rem+1 {
		p = p[:rem+1]
	}
	n, err := s.f.Read(p)
	if int64(n) > rem {
		n = int(rem)
		err = ErrChanged
	}
	if n > 0 {
		s.n += int64(n)
		s.j.addBytes(int64(n))
		if s.n >= s.size {
			s.ended.Store(true)
		}
	}
	if errors.Is(err, ErrChanged) {
		return n, err
	}
	if errors.Is(err, io.EOF) {
		fi, serr := s.f.Stat()
		if serr != nil || fi.Size() != s.size || fi.ModTime().UnixNano() != s.mod || s.n != s.size {
			return n, ErrChanged
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("read %s: %w", strings.TrimSpace(s.f.Name()), localError(err))
	}
	return n, err
}
