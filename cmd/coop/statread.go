package main

import (
	"context"
	"errors"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/keymap"
)

// firstBytes is an object's first bytes, read beside its HEAD (see
// cmdStat): with them a file's content is told without a second round
// trip after the HEAD.
type firstBytes struct {
	b    []byte
	info backend.ObjectInfo
	err  error
}

// readFirstBytes reads the first bytes a preview looks at, with the
// object's ETag, where the store can in one request; its err says why
// not (the caller then reads them after the HEAD, as before).
func readFirstBytes(ctx context.Context, store backend.StorageClient, ref backend.RepoRef, p string) firstBytes {
	hg := backend.CapabilitiesOf(store).HeadGet
	if hg == nil {
		return firstBytes{err: errors.ErrUnsupported}
	}
	b, info, err := hg.GetObjectHead(ctx, ref, p, content.TextBytes)
	return firstBytes{b: b, info: info, err: err}
}

// of returns the first bytes if they are of the object info describes
// (the same ETag and size), else nil: an object replaced between the two
// requests is read again, after the HEAD.
func (f firstBytes) of(info backend.ObjectInfo) []byte {
	if f.err != nil || info.ETag == "" || f.info.ETag != info.ETag || f.info.Size != info.Size {
		return nil
	}
	return f.b
}

// previewWithHead is preview for a file whose first bytes are at hand:
// reads within them cost no request; the others are ranged reads of
// the same version.
func (a *app) previewWithHead(ctx context.Context, store backend.StorageClient, ref backend.RepoRef, info backend.ObjectInfo, head []byte) (*content.Summary, string) {
	maxBytes := int64(content.DefaultMaxBytes)
	if cfg, err := keymap.LoadConfig(a.configPath()); err == nil && cfg.PreviewBytes > 0 {
		maxBytes = cfg.PreviewBytes
	}
	src := headRanger{head: head, size: info.Size, rest: content.StoreRanger(store, ref, info.Path, info.ETag)}
	s, err := content.Summarize(ctx, info.Path, info.Size, src, maxBytes)
	if err != nil {
		return nil, err.Error()
	}
	return s, ""
}

// headRanger serves reads within an object's first bytes from memory,
// and the others from rest.
type headRanger struct {
	head []byte
	size int64
	rest content.Ranger
}

// ReadRange returns n bytes from off: from head when they lie within it
// (or head holds the whole object), else from rest.
func (h headRanger) ReadRange(ctx context.Context, off, n int64) ([]byte, error) {
	held := int64(len(h.head))
	if off >= 0 && n >= 0 && off <= held && (off+n <= held || held == h.size) {
		end := min(off+n, held)
		return append([]byte(nil), h.head[off:end]...), nil
	}
	return h.rest.ReadRange(ctx, off, n)
}
