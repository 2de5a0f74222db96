// Package demo fills a store with a small but realistic set of accounts,
// repositories and files, so that `coop --demo` has something to browse on
// a fresh machine. Populate is idempotent: what exists already is kept.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
	"golang.org/x/sync/errgroup"
)

// BigFolder is the path of the demo folder that holds BigFolderSize files.
const (
	BigRepo       = "sensor-archive"
	BigOwner      = "earth-lab"
	BigFolder     = "readings"
	BigFolderSize = 100_000
)

// Options tune Populate; the zero value gives the full demo.
type Options struct {
	// BigFolderSize overrides the number of files in the big folder (tests
	// use a small number).
	BigFolderSize int
	// Workers is how many files are written at once (default 16).
	Workers int
	// Progress, if set, is told what is being made.
	Progress func(msg string)
}

type repoSpec struct {
	owner, id, title, desc string
	vis                    backend.Visibility
	created                time.Time
	files                  []fileSpec
}

type fileSpec struct {
	path string
	kind string
	meta map[string]any
}

var (
	accounts = []backend.Account{
		{ID: "earth-lab", Type: backend.AccountOrganization, Name: "Earth Observation Lab", Email: "data@earth-lab.example",
			MetadataPublic: map[string]any{"website": "https://earth-lab.example", "location": "Boulder, CO"}},
		{ID: "ocean-collective", Type: backend.AccountOrganization, Name: "Ocean Data Collective", Email: "hello@ocean.example",
			MetadataPublic: map[string]any{"focus": "buoy and glider telemetry"}},
		{ID: "alice", Type: backend.AccountUser, Name: "Alice Nakamura", Email: "alice@example.com",
			MetadataPublic: map[string]any{"orcid": "0000-0002-1825-0097"}},
		{ID: "bruno", Type: backend.AccountUser, Name: "Bruno Silva", Email: "bruno@example.com"},
	}
)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

func repos() []repoSpec {
	cc := map[string]any{"license": "CC-BY-4.0"}
	return []repoSpec{
		{owner: "earth-lab", id: "landsat-scenes", title: "Landsat scenes, Front Range", vis: backend.VisibilityPublic,
			desc: "Cloud-free Landsat 8/9 scenes over the Colorado Front Range, 2021–2024.", created: day("2024-03-02"),
			files: []fileSpec{
				{"README.md", "markdown", cc},
				{"catalog.json", "json", map[string]any{"stac_version": "1.0.0"}},
				{"scenes/2023/LC09_L2SP_034032_20230712/B4.tif", "tiff", map[string]any{"band": "red", "cloud_cover": 3.2, "instrument": "OLI-2"}},
				{"scenes/2023/LC09_L2SP_034032_20230712/B5.tif", "tiff", map[string]any{"band": "nir", "cloud_cover": 3.2, "instrument": "OLI-2"}},
				{"scenes/2023/LC09_L2SP_034032_20230712/thumbnail.png", "png", nil},
				{"scenes/2024/LC08_L2SP_034032_20240421/B4.tif", "tiff", map[string]any{"band": "red", "cloud_cover": 0.4, "instrument": "OLI"}},
				{"scenes/2024/LC08_L2SP_034032_20240421/MTL.xml", "xml", nil},
				{"boundaries/front-range.geojson", "geojson", nil},
				{"docs/processing.pdf", "pdf", map[string]any{"pages": 12}},
			}},
		{owner: BigOwner, id: BigRepo, title: "Sensor archive", vis: backend.VisibilityPrivate,
			desc: "Raw readings from the lab's field sensors, one file per reading.", created: day("2024-09-15"),
			files: []fileSpec{
				{"README.md", "markdown", nil},
				{"stations.csv", "csv", map[string]any{"rows": 42}},
			}},
		{owner: "ocean-collective", id: "buoy-telemetry", title: "Buoy telemetry", vis: backend.VisibilityPublic,
			desc: "Hourly telemetry from moored buoys in the Gulf of Maine.", created: day("2023-11-20"),
			files: []fileSpec{
				{"README.md", "markdown", cc},
				{"2024/01/buoy-44007.csv.gz", "gzip", map[string]any{"station": "44007"}},
				{"2024/01/buoy-44013.csv.gz", "gzip", map[string]any{"station": "44013"}},
				{"2024/02/buoy-44007.csv.gz", "gzip", map[string]any{"station": "44007"}},
				{"2024/02/summary.parquet", "parquet", map[string]any{"rows": 1392, "schema": "station,time,wtmp,wvht"}},
				{"stations.geojson", "geojson", nil},
			}},
		{owner: "alice", id: "field-notes", title: "Field notes", vis: backend.VisibilityPublic,
			desc: "Notebooks, photos and transcripts from the 2024 alpine survey.", created: day("2025-01-08"),
			files: []fileSpec{
				{"notes/day-01.md", "markdown", map[string]any{"weather": "clear"}},
				{"notes/day-02.md", "markdown", map[string]any{"weather": "snow"}},
				{"photos/ridge.png", "png", map[string]any{"camera": "X-T4", "lat": 40.2549, "lon": -105.6160}},
				{"photos/archive.zip", "zip", nil},
				{"transcripts/interview-01.txt", "text", nil},
				{"data/plots.csv", "csv", nil},
			}},
		{owner: "bruno", id: "thesis-data", title: "Thesis data (draft)", vis: backend.VisibilityPrivate,
			desc: "Working data for a thesis on snowpack modelling; not yet public.", created: day("2025-06-30"),
			files: []fileSpec{
				{"model/params.json", "json", map[string]any{"version": 3}},
				{"model/runs/run-001.parquet", "parquet", nil},
				{"model/runs/run-002.parquet", "parquet", nil},
				{"draft.pdf", "pdf", nil},
			}},
	}
}

// Populate creates the demo accounts, repositories, files and metadata in
// store, skipping whatever is already there.
func Populate(ctx context.Context, store backend.Store, opts Options) error {
	if opts.BigFolderSize <= 0 {
		opts.BigFolderSize = BigFolderSize
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	say := func(format string, args ...any) {
		if opts.Progress != nil {
			opts.Progress(fmt.Sprintf(format, args...))
		}
	}
	if err := store.Init(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, a := range accounts {
		a.CreatedAt, a.UpdatedAt = day("2023-06-01"), now
		if err := store.CreateAccount(ctx, a); err != nil && !errors.Is(err, backend.ErrExists) {
			return fmt.Errorf("demo account %s: %w", a.ID, err)
		}
	}
	for _, r := range repos() {
		rec := backend.Repository{ID: r.id, AccountID: r.owner, Title: r.title, Description: r.desc,
			Visibility: r.vis, CreatedAt: r.created, UpdatedAt: now, Metadata: map[string]any{"tags": []any{"demo"}}}
		if err := store.CreateRepository(ctx, rec); err != nil && !errors.Is(err, backend.ErrExists) {
			return fmt.Errorf("demo repository %s/%s: %w", r.owner, r.id, err)
		}
		files := r.files
		if r.id == BigRepo {
			for i := range opts.BigFolderSize {
				files = append(files, fileSpec{path: fmt.Sprintf("%s/reading-%06d.json", BigFolder, i), kind: "reading"})
			}
		}
		say("filling %s/%s (%d files)", r.owner, r.id, len(files))
		if err := fill(ctx, store, rec.Ref(), files, opts.Workers, now); err != nil {
			return fmt.Errorf("demo repository %s/%s: %w", r.owner, r.id, err)
		}
	}
	return nil
}

// fill writes the files that are missing from the repository's metadata
// and records them, with their folders, in one metadata update.
func fill(ctx context.Context, store backend.Store, ref backend.RepoRef, files []fileSpec, workers int, now time.Time) error {
	have := map[string]bool{}
	_, err := store.ReadMetadata(ctx, ref, "", func(page []backend.MetadataEntry) error {
		for _, e := range page {
			have[e.Path] = true
		}
		return nil
	})
	if err != nil && !errors.Is(err, backend.ErrMetadataMissing) {
		return err
	}
	var (
		mu    sync.Mutex
		added = map[string]backend.ObjectInfo{}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	custom := map[string]map[string]any{}
	for _, f := range files {
		if have[f.path] {
			continue
		}
		if f.meta != nil {
			custom[f.path] = f.meta
		}
		g.Go(func() error {
			body := content(f.kind, f.path)
			info, err := store.PutObject(gctx, ref, f.path, bytes.NewReader(body), int64(len(body)))
			if err != nil {
				return err
			}
			mu.Lock()
			added[f.path] = info
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if len(added) == 0 {
		return nil
	}
	b := backend.NewMetadataBatch(now)
	for _, p := range slices.Sorted(maps.Keys(added)) {
		b.Stored(added[p]) // the rules add the folders above it
		if meta, ok := custom[p]; ok {
			m := backend.NewObjectMeta(ref, added[p], nil, now)
			m.Metadata = meta
			b.Set(p, m)
		}
	}
	_, err = store.UpdateMetadata(ctx, ref, b)
	return err
}
