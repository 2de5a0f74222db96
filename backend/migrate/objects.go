package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// auditEvery is how many objects one audit event of copied objects covers.
const auditEvery = 1000

// objectResult is what happened to one object.
type objectResult struct {
	res      outcome
	sha      string // SHA-256 hex of the source content, if known
	copied   int64  // bytes written
	verified bool   // read back and found equal to the source
}

// batchLog gathers copied objects into one audit event per auditEvery.
type batchLog struct {
	mu    sync.Mutex
	n     int64
	bytes int64
}

// objects copies every object of repository ref, workers at a time.
func (m *migration) objects(ctx context.Context, ref backend.RepoRef, rr *RepoReport, fresh bool) (*arrivals, error) {
	arr := newArrivals()
	m.progress(func(p *Progress) { *p = Progress{Repository: rr.Repository, Phase: "objects"} })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan backend.Entry, m.opts.Workers)
	log := &batchLog{}
	var wg sync.WaitGroup
	for range m.opts.Workers {
		wg.Go(func() {
			for e := range jobs {
				m.object(ctx, ref, rr, e, arr, log, fresh)
			}
		})
	}
	err := backend.Walk(ctx, m.src, ref, "", func(page []backend.Entry) error {
		for _, e := range page {
			if e.IsDir() || e.IsLink() || !e.Addressable() {
				continue
			}
			select {
			case jobs <- e:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	close(jobs)
	wg.Wait()
	arr.seal()
	log.flush(m, rr.Repository)
	if errors.Is(err, backend.ErrNotFound) {
		err = nil // a repository with no objects
	}
	if err != nil {
		return arr, fmt.Errorf("list the objects of %s: %w", rr.Repository, err)
	}
	return arr, ctx.Err()
}

// object copies one object and records what happened.
func (m *migration) object(ctx context.Context, ref backend.RepoRef, rr *RepoReport, e backend.Entry, arr *arrivals, log *batchLog, fresh bool) {
	target := ref.String() + "/" + e.Path
	r, err := m.copyObject(ctx, ref, e, fresh)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		m.failed("object", target, err.Error())
		r.res = outcomeFailed
		arr.fail(e.Path, outcomeFailed)
	}
	if r.res == outcomeConflict {
		m.conflict("object", target, r.sha)
		r.sha = ""
		arr.fail(e.Path, outcomeConflict) // its entry is not written over either
	}
	if m.opts.Verify && !m.opts.DryRun && r.res != outcomeFailed {
		if ok, why := m.verify(ctx, ref, e, &r); !ok {
			m.mismatch("object", target, why)
			m.repMu.Lock()
			rr.Mismatches++
			m.repMu.Unlock()
		}
	}
	arr.set(e.Path, r.sha, e.Size)
	m.repMu.Lock()
	rr.Objects.add(r.res)
	switch r.res {
	case outcomeCopied, outcomeOverwritten:
		rr.Bytes += e.Size
	case outcomeSkipped:
		rr.SkippedBytes += e.Size
	}
	if r.verified {
		rr.Verified++
		rr.VerifiedBytes += e.Size
	}
	m.repMu.Unlock()
	if r.copied > 0 || r.res == outcomeCopied || r.res == outcomeOverwritten {
		log.add(m, rr.Repository, r.copied)
	}
	m.progress(func(p *Progress) { p.Objects++; p.Bytes += r.copied })
}

// copyObject decides about one object and copies it if it must (fresh:
// the destination holds nothing of the repository). For a conflict, sha
// holds the reason.
func (m *migration) copyObject(ctx context.Context, ref backend.RepoRef, e backend.Entry, fresh bool) (objectResult, error) {
	var r objectResult
	if !fresh {
		have, err := m.dst.StatObject(ctx, ref, e.Path)
		switch {
		case errors.Is(err, backend.ErrNotFound):
		case err != nil:
			return r, fmt.Errorf("stat at the destination: %w", err)
		case m.opts.SkipExisting:
			r.res = outcomeSkipped
			return r, nil
		default:
			same, why, err := m.sameObject(ctx, ref, e, have, &r)
			if err != nil {
				return r, err
			}
			if same {
				r.res = outcomeSkipped
				return r, nil
			}
			if !m.opts.Overwrite {
				r.res, r.sha = outcomeConflict, why
				return r, nil
			}
			r.res = outcomeOverwritten
		}
	}
	if m.opts.DryRun {
		return r, nil
	}
	sha, n, err := m.stream(ctx, ref, e.Path)
	if err != nil {
		return r, err
	}
	r.sha, r.copied = sha, n
	return r, nil
}

// sameObject compares an object with what the destination holds: the
// same size and the same SHA-256 (the store's, or read and hashed).
func (m *migration) sameObject(ctx context.Context, ref backend.RepoRef, e backend.Entry, have backend.ObjectInfo, r *objectResult) (bool, string, error) {
	if have.ContentType == backend.DirectoryContentType {
		return false, "a folder at the destination", nil
	}
	if have.Size != e.Size {
		return false, fmt.Sprintf("%d bytes at the destination, %d at the source", have.Size, e.Size), nil
	}
	src, err := m.checksum(ctx, m.src, ref, e.Path, "")
	if err != nil {
		return false, "", fmt.Errorf("read the source: %w", err)
	}
	r.sha = src
	dst, known := backend.SHA256Hex(have.Checksum)
	if !known {
		if dst, err = hashObject(ctx, m.dst, ref, e.Path); err != nil {
			return false, "", fmt.Errorf("read the destination: %w", err)
		}
		r.verified = dst == src
	}
	if dst != src {
		return false, "different content at the destination (SHA-256 differs)", nil
	}
	return true, "", nil
}

// checksum is the SHA-256 (hex) of an object: the store's if it knows
// it, else read and hashed.
func (m *migration) checksum(ctx context.Context, s backend.Store, ref backend.RepoRef, path, known string) (string, error) {
	if h, ok := backend.SHA256Hex(known); ok {
		return h, nil
	}
	info, err := s.StatObject(ctx, ref, path)
	if err != nil {
		return "", err
	}
	if h, ok := backend.SHA256Hex(info.Checksum); ok {
		return h, nil
	}
	return hashObject(ctx, s, ref, path)
}

// hashObject reads an object whole and returns its SHA-256 (hex).
func hashObject(ctx context.Context, s backend.Store, ref backend.RepoRef, path string) (string, error) {
	rc, _, err := s.GetObject(ctx, ref, path)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, rc}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stream copies one object, hashing it on the way, and checks what the
// destination reports it stored.
func (m *migration) stream(ctx context.Context, ref backend.RepoRef, path string) (string, int64, error) {
	rc, info, err := m.src.GetObject(ctx, ref, path)
	if err != nil {
		return "", 0, fmt.Errorf("read the source: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(ctxReader{ctx, rc}, h)}
	out, err := m.dst.PutObject(ctx, ref, path, cr, info.Size)
	if err != nil {
		return "", cr.n, fmt.Errorf("write at the destination: %w", err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if info.Size >= 0 && cr.n != info.Size {
		return sha, cr.n, fmt.Errorf("read %d bytes of %d from the source", cr.n, info.Size)
	}
	if got, ok := backend.SHA256Hex(out.Checksum); ok && got != sha {
		return sha, cr.n, fmt.Errorf("the destination stored SHA-256 %s, the source sent %s", got, sha)
	}
	return sha, cr.n, nil
}

// verify reads back the destination object and compares its SHA-256 with
// the source's.
func (m *migration) verify(ctx context.Context, ref backend.RepoRef, e backend.Entry, r *objectResult) (bool, string) {
	if r.verified {
		return true, ""
	}
	if r.sha == "" {
		sha, err := m.checksum(ctx, m.src, ref, e.Path, "")
		if err != nil {
			return false, "source not read: " + err.Error()
		}
		r.sha = sha
	}
	got, err := hashObject(ctx, m.dst, ref, e.Path)
	if err != nil {
		return false, "destination not read back: " + err.Error()
	}
	if got != r.sha {
		return false, "SHA-256 " + got + " at the destination, " + r.sha + " at the source"
	}
	r.verified = true
	return true, ""
}

func (l *batchLog) add(m *migration, repo string, n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	l.bytes += n
	if l.n >= auditEvery {
		l.flushLocked(m, repo)
	}
}

func (l *batchLog) flush(m *migration, repo string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked(m, repo)
}

func (l *batchLog) flushLocked(m *migration, repo string) {
	if l.n == 0 {
		return
	}
	m.record(audit.ActionUpload, repo, l.bytes, fmt.Sprintf("%d objects", l.n), nil)
	l.n, l.bytes = 0, 0
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
