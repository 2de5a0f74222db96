package content

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coopterm/coop/backend"
)

// DefaultMaxBytes is a preview's byte budget unless Options says
// otherwise: enough for the footer of any Parquet file of a few
// gigabytes, the IFDs of any COG, the first 64 KiB of a text.
const DefaultMaxBytes = 1 << 20

// Options tune a Previewer. Zero values take the defaults.
type Options struct {
	// MaxBytes is the most one preview reads from the store.
	MaxBytes int64
	// CacheEntries and CacheBytes bound the cache of summaries (256
	// entries, 32 MiB).
	CacheEntries int
	CacheBytes   int64
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = 256
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 32 << 20
	}
	return o
}

// folderTTL is how long a folder's summary is kept: a folder has no
// version to key it by.
const folderTTL = 30 * time.Second

// Previewer summarises the objects and folders of one store, caching
// each summary per object version. It is safe for concurrent use.
type Previewer struct {
	store backend.StorageClient
	opts  Options
	cache *cache
}

// New returns a Previewer reading from store.
func New(store backend.StorageClient, opts Options) *Previewer {
	opts = opts.withDefaults()
	return &Previewer{store: store, opts: opts, cache: newCache(opts.CacheEntries, opts.CacheBytes)}
}

// MaxBytes is the budget of each preview.
func (p *Previewer) MaxBytes() int64 { return p.opts.MaxBytes }

// File summarises one object. info is what a listing or StatObject says
// of it: its Path and Size, and its ETag or ModTime, which key the cache
// (and the ETag keeps the reads of one preview on one version).
func (p *Previewer) File(ctx context.Context, repo backend.RepoRef, info backend.ObjectInfo) (*Summary, error) {
	version := "etag:" + info.ETag
	if info.ETag == "" {
		version = fmt.Sprintf("size:%d mtime:%d", info.Size, info.ModTime.UnixNano())
	}
	key := "file\x00" + repo.String() + "\x00" + info.Path + "\x00" + version
	if e, ok := p.cache.get(key, time.Time{}); ok {
		return e.sum, e.err
	}
	s, err := Summarize(ctx, info.Path, info.Size, StoreRanger(p.store, repo, info.Path, info.ETag), p.opts.MaxBytes)
	if cacheable(err) {
		p.cache.put(key, s, err)
	}
	return s, err
}

// Folder summarises a folder that is a Zarr store, group or array; it
// returns nil, nil for any other folder.
func (p *Previewer) Folder(ctx context.Context, repo backend.RepoRef, dir string) (*Summary, error) {
	key := "folder\x00" + repo.String() + "\x00" + dir
	if e, ok := p.cache.get(key, time.Now().Add(-folderTTL)); ok {
		return e.sum, e.err
	}
	s, err := SummarizeFolder(ctx, StoreFolder(p.store, repo), dir, p.opts.MaxBytes)
	if cacheable(err) {
		p.cache.put(key, s, err)
	}
	return s, err
}

// cacheable reports results that reading again would not change: a
// summary, or content this package cannot preview.
func cacheable(err error) bool {
	return err == nil || errors.Is(err, ErrMalformed) || errors.Is(err, ErrBudget)
}

// Summarize describes an object of the given name and size, read through
// src within maxBytes: the format from the name, else from the first
// bytes, then what that format's reader finds.
func Summarize(ctx context.Context, name string, size int64, src Ranger, maxBytes int64) (*Summary, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	r := newReader(ctx, src, size, maxBytes)
	s, err := summarize(r, name)
	if err != nil {
		return nil, err
	}
	s.Stats = r.stats
	return s, nil
}

// SummarizeFolder describes dir if it is a Zarr store, group or array,
// read through f within maxBytes; nil, nil if it is none of them.
func SummarizeFolder(ctx context.Context, f Folder, dir string, maxBytes int64) (*Summary, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	z := &zarrReader{ctx: ctx, f: f, budget: maxBytes, limit: maxBytes}
	s, err := summarizeZarrFolder(z, dir)
	if s != nil {
		s.Stats = z.stats
	}
	return s, err
}

func summarize(r *reader, name string) (*Summary, error) {
	if r.size < 0 {
		return nil, fmt.Errorf("%w: negative size %d", ErrMalformed, r.size)
	}
	if r.size == 0 {
		return &Summary{Format: FormatEmpty}, nil
	}
	format := fromName(name)
	if read := binaryReader(format); read != nil {
		return read(r)
	}
	head, err := r.at(0, min(TextBytes, r.limit))
	if err != nil {
		return nil, err
	}
	// A name can lie or say nothing: magic bytes win over a text
	// extension.
	if read := binaryReader(fromMagic(head)); read != nil {
		return read(r)
	}
	switch format {
	case FormatCSV, FormatTSV:
		return summarizeTable(format, head, r.size), nil
	case FormatZarr:
		whole, err := r.whole(head)
		if err != nil {
			return nil, err
		}
		return summarizeZarrFile(name, whole, r.size)
	case "":
		format = FormatText
	}
	return summarizeText(name, format, head, r.size), nil
}

// binaryReader returns the reader of a binary format; nil for text
// formats, which need the first bytes read first.
func binaryReader(format Format) func(*reader) (*Summary, error) {
	switch format {
	case FormatParquet:
		return readParquet
	case FormatTIFF:
		return readTIFF
	case FormatZip:
		return readZip
	case FormatFlatGeobuf:
		return readFlatGeobuf
	case FormatPMTiles:
		return readPMTiles
	case FormatPNG, FormatJPEG, FormatGIF, FormatWebP:
		return func(r *reader) (*Summary, error) { return readImage(r, format) }
	}
	return nil
}

// whole returns the whole object, whose first bytes are head, if it fits
// the budget.
func (r *reader) whole(head []byte) ([]byte, error) {
	if int64(len(head)) == r.size {
		return head, nil
	}
	if r.size > r.limit {
		return nil, r.overBudget("the file of", r.size)
	}
	rest, err := r.at(int64(len(head)), r.size-int64(len(head)))
	if err != nil {
		return nil, err
	}
	return append(append([]byte(nil), head...), rest...), nil
}
