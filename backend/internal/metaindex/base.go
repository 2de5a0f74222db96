package metaindex

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// BuildBase indexes the entries base gives (backend.MetadataBase: a
// repository's objects, for a first document) in a temporary folder
// under root, sorting them on disk, so that a batch can be planned and
// merged against them as against any document. cleanup closes the
// version and removes its files.
func BuildBase(ctx context.Context, root string, base backend.MetadataBase) (v *Version, cleanup func(), err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(root, "tmp-base-*")
	if err != nil {
		return nil, nil, err
	}
	remove := func() { _ = os.RemoveAll(dir) }
	f, err := os.Create(filepath.Join(dir, "base.json"))
	if err != nil {
		remove()
		return nil, nil, err
	}
	fail := func(err error) (*Version, func(), error) {
		f.Close()
		remove()
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := metadoc.NewWriter(bw, backend.RepoRef{}, time.Time{}, backend.MetadataHead{})
	if err != nil {
		return fail(err)
	}
	w.Unordered = true
	var enc []byte
	err = base(ctx, func(e backend.MetadataEntry) error {
		var err error
		if enc, err = e.Meta.AppendJSON(enc[:0]); err != nil {
			return err
		}
		return w.Entry(e.Path, enc)
	})
	if err == nil {
		_, err = w.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	var size int64
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil {
			size = fi.Size()
		}
	}
	if err == nil {
		err = Build(dir, "base", "base", f, size)
	}
	if err == nil {
		v, err = Open(dir, "base", "base", f)
	}
	if err != nil {
		return fail(err)
	}
	return v, func() {
		_ = v.Close()
		f.Close()
		remove()
	}, nil
}
