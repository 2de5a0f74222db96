package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/coopterm/coop/backend"
)

// errHeadRead stops a walk of the entries once the head is read.
var errHeadRead = errors.New("head read")

// readHead returns the top-level fields of ref's document in s without
// walking its entries: the walk stops at its first page.
func readHead(ctx context.Context, s backend.MetadataClient, ref backend.RepoRef) (backend.MetadataHead, error) {
	head, err := s.ReadMetadata(ctx, ref, "", func([]backend.MetadataEntry) error { return errHeadRead })
	if errors.Is(err, errHeadRead) {
		err = nil
	}
	return head, err
}

// headFields decides about the source document's top-level fields other
// than coop's own (src), against the destination's (dst; nil when it has
// no document): a field missing there is copied, one with the same value
// skipped, and one with another value is a conflict, reported and left
// alone unless Overwrite. Fields only the destination has are kept, as
// its entries are. Those to write are set in batch (none in a dry run).
func (m *migration) headFields(src, dst map[string]json.RawMessage, batch *backend.MetadataBatch, repo string) Counts {
	var c Counts
	for _, name := range slices.Sorted(maps.Keys(src)) {
		v := src[name]
		res := outcomeCopied
		if have, ok := dst[name]; ok {
			switch {
			case m.opts.SkipExisting, backend.SameJSON(have, v):
				res = outcomeSkipped
			case m.opts.Overwrite:
				res = outcomeOverwritten
			default:
				res = outcomeConflict
				m.conflict("metadata", repo, fmt.Sprintf("the destination's top-level field %q of %s differs", name, backend.MetadataFileName))
			}
		}
		c.add(res)
		if (res == outcomeCopied || res == outcomeOverwritten) && !m.opts.DryRun {
			batch.SetHeadField(name, v)
		}
	}
	return c
}
