package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// statResult is what `coop stat --json` prints: the object's entry in
// .source-metadata.json, what the store itself reports, why the entry is
// absent when it is, and where the two disagree.
type statResult struct {
	Path          string              `json:"path"`
	Entry         *backend.ObjectMeta `json:"entry"`
	Object        *backend.ObjectInfo `json:"object,omitempty"`
	MetadataError string              `json:"metadata_error,omitempty"`
	// Problems say where the entry and the object disagree: the object
	// is missing, or its size or checksum is not the recorded one.
	Problems []string `json:"problems,omitempty"`
	// Notes say what may be a difference and may not: an object written
	// well after its entry was recorded (replaced, or only copied).
	Notes []string `json:"notes,omitempty"`
	// Content is what is inside the object (see backend/content), or
	// ContentError why that could not be told.
	Content      *content.Summary `json:"content,omitempty"`
	ContentError string           `json:"content_error,omitempty"`
}

// writtenAfter is how much later than its entry an object must have been
// written to be noted: the clock skew S3 tolerates in a signed request,
// so that a client's clock off by less never makes a note. It is a note,
// not a problem: objects copied between buckets or stores (aws s3 sync,
// a migration) get new times with the same content, and a document
// written before its objects were uploaded is older than they are.
const writtenAfter = 15 * time.Minute

func (a *app) statCommand() *cobra.Command {
	var asJSON bool
	cmd := leaf("stat ACCOUNT/REPO/PATH", "Show an object's metadata entry, checked against the object, and what is inside it", `The entry in the repository's .source-metadata.json is checked against the
object itself: an entry whose object is gone, or whose size or checksum the
object contradicts, is reported (exit 1; coop repo repair fixes it).`, func(ctx context.Context, pos []string) error { return a.cmdStat(ctx, pos, asJSON) })
	flagsOf(cmd).BoolVar(&asJSON, "json", false, "print JSON")
	cmd.ValidArgsFunction = a.completeStore(completeAll, 1)
	return cmd
}

// cmdStat shows an object's entry, checked against the object itself: an
// entry whose object is gone, or whose size or checksum the object
// contradicts, is reported, with `repo repair` suggested, and exits 1; an
// object written long after its entry is noted.
func (a *app) cmdStat(ctx context.Context, pos []string, asJSON bool) error {
	if len(pos) != 1 {
		return usagef("usage: coop stat ACCOUNT/REPO/PATH [--json]")
	}
	t, err := parseTarget(pos[0])
	if err != nil {
		return err
	}
	if t.repo == "" || t.path == "" {
		return usagef("stat takes ACCOUNT/REPO/PATH, not %q", pos[0])
	}
	a.dial = commandDial("stat")
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	// The repository, the object, its first bytes and its entry are
	// asked for at once: one round trip for a file whose content is told
	// by its first bytes (a text, a table), not two.
	var (
		repoErr, statErr error
		info             backend.ObjectInfo
		first            firstBytes
		m                backend.ObjectMeta
		wg               sync.WaitGroup
	)
	res := statResult{Path: t.path}
	wg.Go(func() { _, repoErr = store.GetRepository(ctx, t.account, t.repo) })
	wg.Go(func() { info, statErr = store.StatObject(ctx, t.ref(), t.path) })
	var folder struct {
		sum    *content.Summary
		reason string
		done   bool
	}
	wg.Go(func() {
		first = readFirstBytes(ctx, store, t.ref(), t.path)
		if errors.Is(first.err, backend.ErrNotFound) {
			// No object of that name: most likely a folder, whose
			// content (a Zarr store?) is read while StatObject lists it
			// to make sure.
			folder.sum, folder.reason = a.preview(ctx, store, t.ref(), t.path, backend.ObjectInfo{ContentType: backend.DirectoryContentType}, nil)
			folder.done = true
		}
	})
	wg.Go(func() { m, err = store.ReadObjectMetadata(ctx, t.ref(), t.path) })
	wg.Wait()
	previewed := false
	switch head := first.of(info); {
	case statErr != nil:
	case head != nil && info.ContentType != backend.DirectoryContentType:
		res.Content, res.ContentError = a.previewWithHead(ctx, store, t.ref(), info, head)
		previewed = true
	case statIsFolder(info) && folder.done:
		res.Content, res.ContentError = folder.sum, folder.reason
		previewed = true
	}
	if repoErr != nil {
		return backend.WithSubject("repository "+t.ref().String(), repoErr)
	}
	switch {
	case statErr == nil:
		res.Object = &info
	case !errors.Is(statErr, backend.ErrNotFound):
		return statErr
	}
	switch {
	case errors.Is(err, backend.ErrNotFound):
		res.MetadataError = "no entry for this path in " + backend.MetadataFileName
	case err != nil:
		res.MetadataError = err.Error()
	default:
		res.Entry = &m
	}
	if res.Object == nil && res.Entry == nil {
		return fmt.Errorf("%s/%s: %w", t.ref(), t.path, backend.ErrNotFound)
	}
	var verify bool
	res.Problems, verify = disagreements(res.Entry, res.Object)
	res.Notes = notes(res.Entry, res.Object)
	if !previewed && (res.Object != nil || res.Entry != nil && res.Entry.Type == backend.TypeDirectory) {
		if res.Object != nil && statIsFolder(info) {
			info.ContentType = backend.DirectoryContentType
		}
		res.Content, res.ContentError = a.preview(ctx, store, t.ref(), t.path, info, res.Entry)
	}
	if asJSON {
		enc := json.NewEncoder(safe.JSONWriter(a.stdout))
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = printStat(a.stdout, res)
	}
	if err != nil || len(res.Problems) == 0 {
		return err
	}
	fix := "coop repo repair " + t.ref().String()
	if verify {
		fix = "coop repo repair --verify " + t.ref().String()
	}
	return fmt.Errorf("%s/%s: %s; run %s", t.ref(), t.path, joinProblems(res.Problems), fix)
}

// statIsFolder reports whether StatObject found a folder: a store says
// so with its content type, or (S3) with a bare path, no size and no time.
func statIsFolder(o backend.ObjectInfo) bool {
	return o.ContentType == backend.DirectoryContentType || o.Size == 0 && o.ModTime.IsZero() && o.ETag == ""
}

// disagreements says where a file's entry and its object differ, and
// whether telling which is right takes re-reading the object (repair
// --verify).
func disagreements(m *backend.ObjectMeta, o *backend.ObjectInfo) (out []string, verify bool) {
	if m == nil || m.Type != backend.TypeFile || m.Problem != "" {
		return nil, false
	}
	if o == nil {
		return []string{"recorded in " + backend.MetadataFileName + " but missing from the store"}, false
	}
	if o.ContentType == backend.DirectoryContentType || (o.Size == 0 && o.ModTime.IsZero()) {
		return []string{"recorded as a file but a folder in the store"}, false
	}
	if o.Size != m.Size {
		out = append(out, fmt.Sprintf("size differs: %s stored, %s recorded", humanize.Size(o.Size), humanize.Size(m.Size)))
	}
	if backend.CompareSHA256(m.Checksum, o.Checksum) == backend.ChecksumDiffers {
		out, verify = append(out, "checksum differs: "+o.Checksum+" stored, "+m.Checksum+" recorded"), true
	}
	return out, verify
}

// notes says what stat cannot tell is a difference: an object written
// well after its entry, with no checksum from the store to show whether
// its content is the one recorded.
func notes(m *backend.ObjectMeta, o *backend.ObjectInfo) []string {
	if m == nil || o == nil || m.Type != backend.TypeFile || m.UpdatedAt.IsZero() || o.ModTime.Sub(m.UpdatedAt) <= writtenAfter {
		return nil
	}
	if backend.CompareSHA256(m.Checksum, o.Checksum) == backend.ChecksumEqual {
		return nil // the same content, copied or written again
	}
	return []string{fmt.Sprintf("stored %s, after its entry was recorded (%s): replaced or copied since; coop repo repair --verify tells", fmtTime(o.ModTime), fmtTime(m.UpdatedAt))}
}

func joinProblems(ps []string) string {
	out := ps[0]
	for _, p := range ps[1:] {
		out += "; " + p
	}
	return out
}

// fmtTime prints a time, or nothing when it is unknown (never year 1).
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// printStat writes r's lines in one write: the table writes each cell and
// its padding by itself, a system call each on a real stdout.
func printStat(w io.Writer, r statResult) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	line := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	line("path", safe.Text(r.Path))
	if e := r.Entry; e != nil {
		if e.Problem != "" {
			line("unreadable", safe.Text(e.Problem))
		}
		line("type", string(e.Type))
		line("size", humanize.Size(e.Size))
		line("mime type", safe.Text(e.MimeType))
		line("checksum", safe.Text(e.Checksum))
		if e.CRC32C != "" {
			line("crc32c", safe.Text(e.CRC32C))
		}
		line("id", safe.Text(e.ID))
		line("created", fmtTime(e.CreatedAt))
		line("updated", fmtTime(e.UpdatedAt))
		for _, k := range slices.Sorted(maps.Keys(e.Metadata)) {
			line("metadata."+safe.Text(k), safe.Text(fmt.Sprint(e.Metadata[k])))
		}
	}
	switch o := r.Object; {
	case o == nil:
		line("stored", "missing")
	case r.Entry == nil:
		line("size", humanize.Size(o.Size))
		line("content type", safe.Text(o.ContentType))
		line("modified", fmtTime(o.ModTime))
	case len(r.Problems) > 0 || len(r.Notes) > 0:
		line("stored size", humanize.Size(o.Size))
		line("stored modified", fmtTime(o.ModTime))
		if o.Checksum != "" {
			line("stored checksum", o.Checksum)
		}
	}
	if r.MetadataError != "" {
		line("metadata", safe.Text(r.MetadataError))
	}
	for _, p := range r.Problems {
		line("problem", safe.Text(p))
	}
	for _, n := range r.Notes {
		line("note", safe.Text(n))
	}
	if c := contentLine(r.Content, r.ContentError); c != "" {
		line("content", c)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
