package contenttest

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/coopterm/coop/backend"
)

// Files is a folder tree held in memory, path → content; it serves as a
// content.Folder.
type Files map[string][]byte

// List returns the entries directly under dir, in byte order.
func (f Files) List(_ context.Context, dir string, limit int) ([]backend.Entry, bool, error) {
	prefix := ""
	if dir != "" {
		prefix = strings.TrimSuffix(dir, "/") + "/"
	}
	seen := map[string]backend.Entry{}
	for p, body := range f {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || rest == "" {
			continue
		}
		name, _, sub := strings.Cut(rest, "/")
		e := backend.Entry{Name: name, Path: prefix + name, Type: backend.TypeFile, Size: int64(len(body))}
		if sub {
			e.Type, e.Size = backend.TypeDirectory, 0
		}
		seen[name] = e
	}
	if len(seen) == 0 {
		return nil, false, fmt.Errorf("folder %q: %w", dir, backend.ErrNotFound)
	}
	names := slices.Sorted(maps.Keys(seen))
	more := len(names) > limit
	if more {
		names = names[:limit]
	}
	out := make([]backend.Entry, len(names))
	for i, n := range names {
		out[i] = seen[n]
	}
	return out, more, nil
}

// Read returns the first n bytes of the file at p.
func (f Files) Read(_ context.Context, p string, n int64) ([]byte, error) {
	b, ok := f[p]
	if !ok {
		return nil, fmt.Errorf("file %q: %w", p, backend.ErrNotFound)
	}
	return b[:min(int64(len(b)), n)], nil
}

// Under returns the files with prefix dir/ added to every path.
func (f Files) Under(dir string) Files {
	out := Files{}
	for p, b := range f {
		out[path.Join(dir, p)] = b
	}
	return out
}

const (
	sstArray  = `{"zarr_format":2,"shape":[365,720,1440],"chunks":[1,720,1440],"dtype":"<f4","compressor":{"id":"blosc","cname":"zstd","clevel":5,"shuffle":1,"blocksize":0},"fill_value":"NaN","order":"C","filters":null}`
	sstAttrs  = `{"units":"K","_ARRAY_DIMENSIONS":["time","lat","lon"]}`
	timeArray = `{"zarr_format":2,"shape":[365],"chunks":[365],"dtype":"<i8","compressor":{"id":"zlib","level":1},"fill_value":null,"order":"C","filters":null}`
	rootAttrs = `{"title":"Sea surface temperature"}`
)

// ZarrV2 is a Zarr v2 group with two arrays ("sst", a float32 cube, and
// "time"), their attributes, a chunk each, and with consolidated a
// .zmetadata as xarray writes it.
func ZarrV2(consolidated bool) Files {
	f := Files{
		".zgroup":     []byte(`{"zarr_format":2}`),
		".zattrs":     []byte(rootAttrs),
		"sst/.zarray": []byte(sstArray), "sst/.zattrs": []byte(sstAttrs), "sst/0.0.0": make([]byte, 100),
		"time/.zarray": []byte(timeArray), "time/0": make([]byte, 40),
	}
	if consolidated {
		f[".zmetadata"] = []byte(`{"zarr_consolidated_format":1,"metadata":{".zgroup":{"zarr_format":2},".zattrs":` + rootAttrs +
			`,"sst/.zarray":` + sstArray + `,"sst/.zattrs":` + sstAttrs + `,"time/.zarray":` + timeArray + `}}`)
	}
	return f
}

const demArray = `{"zarr_format":3,"node_type":"array","shape":[10000,10000],"data_type":"int16",` +
	`"chunk_grid":{"name":"regular","configuration":{"chunk_shape":[1000,1000]}},` +
	`"chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},"fill_value":-9999,` +
	`"codecs":[{"name":"sharding_indexed","configuration":{"chunk_shape":[100,100],` +
	`"codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":3}}],` +
	`"index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}]}}],` +
	`"dimension_names":["y","x"],"attributes":{"units":"m"}}`

// ZarrV3 is a Zarr v3 group holding a sharded int16 array "dem" and a
// subgroup "meta"; with consolidated, the root zarr.json carries
// consolidated_metadata as zarr-python 3 writes it.
func ZarrV3(consolidated bool) Files {
	root := `{"zarr_format":3,"node_type":"group","attributes":{"title":"Elevation"}}`
	if consolidated {
		root = `{"zarr_format":3,"node_type":"group","attributes":{"title":"Elevation"},"consolidated_metadata":{"kind":"inline","must_understand":false,"metadata":{"dem":` +
			demArray + `,"meta":{"zarr_format":3,"node_type":"group","attributes":{}}}}}`
	}
	return Files{
		"zarr.json":      []byte(root),
		"dem/zarr.json":  []byte(demArray),
		"dem/c/0/0":      make([]byte, 64),
		"meta/zarr.json": []byte(`{"zarr_format":3,"node_type":"group","attributes":{}}`),
	}
}
