// Package repair makes a repository's .source-metadata.json match the
// objects in its store again: an entry for every object, none for objects
// that are gone, sizes (and, when asked, checksums) that are the objects'
// own. The transfer queue stores an object first and records its entry
// afterwards, in batches, so a process killed in between, or another tool
// writing to the bucket, leaves the two apart until repaired.
//
// Run walks the document (one version of it, taken before the objects
// are listed, so that an entry whose object the listing misses was stale
// when the listing passed) and the objects side by side, both in byte
// order of paths, keeping only what calls for work: memory grows with the
// repairs, not with the repository (see join.go). It reads the objects
// that need it in parallel as they are found (a bounded number at once,
// each streamed through backend.ContentHash, never held whole in memory),
// then applies its changes in one store.UpdateMetadata, as a
// backend.MetadataBatch of Fix changes, against the document as it is
// then: an entry another writer changed in the meantime wins, unless
// Verify found its checksum wrong. Folder entries are never removed (an
// empty folder can be meant); missing ones above any entry are added.
//
// A metadata file that cannot be read is never overwritten, unless
// Options.Rebuild asks: then its bytes are kept, unchanged, in an object
// beside it, and a new document records every object (see rebuild.go).
package repair

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/coopterm/coop/backend"
)

// DefaultWorkers is how many objects are read at once unless
// Options.Workers says otherwise.
const DefaultWorkers = 32

// Store is what a repair needs of a backend: the repository's catalog
// entry, its objects and its metadata file. Any backend.Store will do,
// the access-control wrapper included.
type Store interface {
	GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error)
	backend.StorageClient
	backend.MetadataClient
}

// Options control a repair.
type Options struct {
	// DryRun works out every change and reports it, writing nothing.
	DryRun bool
	// Verify reads every object, not only those without an entry or whose
	// size differs, and fixes entries whose checksum or CRC-32C differs
	// from the content or is missing.
	Verify bool
	// Rebuild replaces an unreadable metadata file (see rebuild.go): its
	// bytes are kept in an object at the repository root, named by
	// backend.CorruptMetadataName, and a new document records every
	// object, all read. A readable file is repaired as usual.
	Rebuild bool
	// Workers is how many objects are read at once (DefaultWorkers if 0).
	Workers int
	// Now stamps new entries (time.Now if nil).
	Now func() time.Time
	// Progress, if set, is told how far the listing and the reading have
	// got. It is called from one goroutine at a time.
	Progress func(Progress)
}

// Progress is how far a repair has got.
type Progress struct {
	// Phase is "list" while the objects are listed, then "read".
	Phase string
	// Done counts objects listed, or objects read; Total is the number to
	// read (0 while listing).
	Done, Total int
	// Bytes is how much has been read.
	Bytes int64
}

// Failure is an object that could not be read; its entry is left as it was.
type Failure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Report says what a repair found and did (or, in a dry run, would do).
type Report struct {
	Repository string `json:"repository"`
	DryRun     bool   `json:"dry_run"`
	Verify     bool   `json:"verify"`
	Rebuild    bool   `json:"rebuild"`
	// Unreadable says the metadata file could not be read. With Rebuild
	// it was replaced (in a dry run, would be), its bytes kept in the
	// object Backup, a path in the repository.
	Unreadable bool   `json:"unreadable"`
	Backup     string `json:"backup,omitempty"`
	// Objects counts the files in the store, Folders the folder markers
	// (stores that keep them), Entries the metadata's entries before.
	Objects int `json:"objects"`
	Folders int `json:"folders"`
	Entries int `json:"entries"`
	// Read counts the objects read, ReadBytes their bytes.
	Read      int   `json:"read"`
	ReadBytes int64 `json:"read_bytes"`
	// Added, Removed and Updated count Changes by action;
	// ChecksumsDiffered counts the updates with ChecksumDiffered.
	Added             int `json:"added"`
	Removed           int `json:"removed"`
	Updated           int `json:"updated"`
	ChecksumsDiffered int `json:"checksums_differed"`
	// Written says whether the metadata file was written.
	Written bool `json:"written"`
	// Changes are sorted by path; Kept lists changes not made because
	// another writer got there first.
	Changes []Change  `json:"changes"`
	Kept    []Change  `json:"kept,omitempty"`
	Failed  []Failure `json:"failed,omitempty"`
}

// ErrIncomplete is what Run returns, with its report, when some objects
// could not be read (Report.Failed): everything else was repaired.
var ErrIncomplete = errors.New("some objects could not be read")

// Run repairs the metadata of repository repo (see the package comment).
// A missing repository is backend.ErrNotFound; a corrupt metadata file is
// backend.ErrMetadataCorrupt, and is not overwritten unless opts.Rebuild.
func Run(ctx context.Context, store Store, repo backend.RepoRef, opts Options) (Report, error) {
	rep := Report{Repository: repo.String(), DryRun: opts.DryRun, Verify: opts.Verify, Rebuild: opts.Rebuild, Changes: []Change{}}
	if err := backend.ValidateRef(repo); err != nil {
		return rep, err
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Progress == nil {
		opts.Progress = func(Progress) {}
	}
	if _, err := store.GetRepository(ctx, repo.AccountID, repo.RepositoryID); err != nil {
		return rep, err
	}
	j, err := join(ctx, store, repo, opts)
	if errors.Is(err, errDisorder) {
		j, err = joinWhole(ctx, store, repo, opts)
	}
	switch {
	case errors.Is(err, backend.ErrMetadataCorrupt) && opts.Rebuild:
		return rebuild(ctx, store, repo, opts, rep)
	case errors.Is(err, backend.ErrMetadataCorrupt):
		rep.Unreadable = true
		return rep, err
	case err != nil:
		return rep, err
	}
	rep.Entries, rep.Objects, rep.Folders = j.entries, j.objects, j.markerCount
	rep.Read, rep.ReadBytes, rep.Failed = j.read, j.readBytes, j.failed
	fixes := append(j.fixes, j.removals...)
	slices.SortFunc(fixes, func(a, b fix) int { return cmp.Compare(a.path, b.path) })

	b := batch(fixes, j.markers, j.missing, opts.Verify, opts.Now().UTC())
	var res backend.MetadataResult
	switch {
	case b.Empty():
	case opts.DryRun:
		var plan backend.MetadataPlan
		plan, err = b.Plan(repo, backend.ViewOf(ctx, store, repo))
		res = plan.Result
	default:
		res, err = store.UpdateMetadata(ctx, repo, b)
	}
	if err != nil {
		return rep, fmt.Errorf("repair %s: %w", repo, err)
	}
	rep.Written = res.Written && !opts.DryRun
	rep.setChanges(split(res))
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("repair %s: %d of %d objects: %w", repo, len(rep.Failed), j.reads, ErrIncomplete)
	}
	return rep, nil
}

// setChanges fills in the changes and their counts.
func (r *Report) setChanges(changes, kept []Change) {
	slices.SortFunc(changes, func(a, b Change) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortFunc(kept, func(a, b Change) int { return cmp.Compare(a.Path, b.Path) })
	r.Changes, r.Kept = changes, kept
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	for _, c := range changes {
		switch c.Action {
		case Add:
			r.Added++
		case Remove:
			r.Removed++
		case Update:
			r.Updated++
			if c.ChecksumDiffered {
				r.ChecksumsDiffered++
			}
		}
	}
}
