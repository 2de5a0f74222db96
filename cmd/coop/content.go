package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/render"
	"github.com/coopterm/coop/internal/safe"
	"github.com/coopterm/coop/keymap"
)

func (a *app) catCommand() *cobra.Command {
	var rng string
	cmd := leaf("cat ACCOUNT/REPO/PATH", "Write an object, or a range of its bytes, to stdout", `The exact bytes go to a pipe or a file; on a terminal, control characters
and invalid UTF-8 are shown escaped, so that a file cannot drive the
terminal.`, func(ctx context.Context, pos []string) error { return a.cmdCat(ctx, pos, rng) })
	flagsOf(cmd).StringVar(&rng, "range", "", "bytes START-END (inclusive, as HTTP ranges), START- or -LAST")
	cmd.ValidArgsFunction = a.completeStore(completeAll, 1)
	return cmd
}

// cmdCat streams an object, or a range of it, to stdout: the exact bytes
// to a pipe or a file; to a terminal, with control characters and invalid
// UTF-8 shown escaped, so that a file cannot drive the terminal.
func (a *app) cmdCat(ctx context.Context, pos []string, rangeFlag string) error {
	rng := &rangeFlag
	if len(pos) != 1 {
		return usagef("usage: coop cat ACCOUNT/REPO/PATH [--range START-END]")
	}
	t, err := parseTarget(pos[0])
	if err != nil {
		return err
	}
	if t.repo == "" || t.path == "" {
		return usagef("cat takes ACCOUNT/REPO/PATH, not %q", pos[0])
	}
	want, err := parseRange(*rng)
	if err != nil {
		return err
	}
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.GetRepository(ctx, t.account, t.repo); err != nil {
		return fmt.Errorf("repository %s: %w", t.ref(), err)
	}
	var body io.ReadCloser
	if want == nil {
		body, _, err = store.GetObject(ctx, t.ref(), t.path)
	} else {
		body, err = a.openRange(ctx, store, t, *want)
	}
	if err != nil {
		return err
	}
	defer body.Close()
	out := a.stdout
	if a.stdoutIsTerminal() {
		esc := &escaper{w: a.stdout}
		defer esc.flush()
		out = esc
	}
	if _, err := io.Copy(out, body); err != nil {
		return fmt.Errorf("cat %s/%s: %w", t.ref(), t.path, err)
	}
	return nil
}

// byteRange is a --range: from start, length bytes (-1: to the end), or
// the last `last` bytes.
type byteRange struct {
	start, length, last int64
}

// parseRange reads START-END (inclusive), START- or -LAST; nil for "".
func parseRange(s string) (*byteRange, error) {
	if s == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(strings.TrimPrefix(s, "bytes="), "-")
	bad := usagef("--range %q: want START-END (inclusive), START- or -LAST, in bytes", s)
	if !ok || (a == "" && b == "") {
		return nil, bad
	}
	num := func(v string) (int64, bool) {
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil && n >= 0
	}
	switch {
	case a == "":
		n, ok := num(b)
		if !ok || n == 0 {
			return nil, bad
		}
		return &byteRange{last: n}, nil
	case b == "":
		n, ok := num(a)
		if !ok {
			return nil, bad
		}
		return &byteRange{start: n, length: -1}, nil
	}
	start, ok1 := num(a)
	end, ok2 := num(b)
	if !ok1 || !ok2 || end < start {
		return nil, bad
	}
	return &byteRange{start: start, length: end - start + 1}, nil
}

// openRange opens the bytes r names, clamped to the object as HTTP
// ranges are; a start past the end is an error.
func (a *app) openRange(ctx context.Context, store backend.Store, t target, r byteRange) (io.ReadCloser, error) {
	info, err := store.StatObject(ctx, t.ref(), t.path)
	if err != nil {
		return nil, err
	}
	if info.ContentType == backend.DirectoryContentType {
		return nil, fmt.Errorf("%s/%s: %w: a folder", t.ref(), t.path, backend.ErrInvalid)
	}
	start, length := r.start, r.length
	if r.last > 0 {
		start = max(info.Size-r.last, 0)
		length = info.Size - start
	}
	if start >= info.Size && info.Size > 0 || start > info.Size {
		return nil, fmt.Errorf("range from byte %d: the object has %d bytes", start, info.Size)
	}
	if length < 0 || start+length > info.Size {
		length = info.Size - start
	}
	return backend.GetObjectRange(ctx, store, t.ref(), t.path, start, length, info.ETag)
}

// stdoutIsTerminal reports whether stdout is a terminal.
func (a *app) stdoutIsTerminal() bool {
	if a.isTerminal != nil {
		return a.isTerminal()
	}
	return term.IsTerminal(os.Stdout.Fd())
}

// escaper writes text with control characters (but newlines and tabs),
// C1 controls, direction overrides and invalid UTF-8 shown as visible
// escapes, keeping a rune split across two writes whole.
type escaper struct {
	w       io.Writer
	pending []byte
}

func (e *escaper) Write(p []byte) (int, error) {
	b := append(e.pending, p...)
	// Keep an incomplete rune at the end for the next write.
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	e.pending = append(e.pending[:0:0], b[cut:]...)
	if _, err := io.WriteString(e.w, escapeContent(b[:cut])); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes what is left of an incomplete rune, escaped.
func (e *escaper) flush() {
	if len(e.pending) > 0 {
		_, _ = io.WriteString(e.w, escapeContent(e.pending))
		e.pending = nil
	}
}

// escapeContent shows b safely, as the content previews do, but keeps
// tabs and carriage returns of CRLF line ends as they are.
func escapeContent(b []byte) string {
	var out strings.Builder
	for len(b) > 0 {
		i := 0
		for i < len(b) && (b[i] >= 0x20 && b[i] < 0x7f || b[i] == '\n' || b[i] == '\t') {
			i++
		}
		out.Write(b[:i])
		b = b[i:]
		if len(b) == 0 {
			break
		}
		r, n := utf8.DecodeRune(b)
		switch {
		case r == '\r' && len(b) > 1 && b[1] == '\n':
			out.WriteByte('\r')
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&out, `\x%02x`, b[0])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&out, `\x%02x`, r)
		case content.Hidden(r):
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.String()
}

// preview tells what is inside an object for `coop stat` (a file from
// its bytes, a folder if it is a Zarr store or array), within the preview
// budget of the config file; a failure is the reason, not an error of the
// command.
func (a *app) preview(ctx context.Context, store backend.StorageClient, ref backend.RepoRef, p string, info backend.ObjectInfo, entry *backend.ObjectMeta) (*content.Summary, string) {
	var opts content.Options
	if cfg, err := keymap.LoadConfig(a.configPath()); err == nil {
		opts.MaxBytes = cfg.PreviewBytes
	}
	pv := content.New(store, opts)
	var s *content.Summary
	var err error
	if info.ContentType == backend.DirectoryContentType || entry != nil && entry.Type == backend.TypeDirectory {
		s, err = pv.Folder(ctx, ref, p)
	} else {
		if info.Path == "" { // known from the metadata entry alone
			info.Path = p
			if entry != nil {
				info.Size, info.ModTime = entry.Size, entry.UpdatedAt
			}
		}
		s, err = pv.File(ctx, ref, info)
	}
	if err != nil {
		return nil, err.Error()
	}
	return s, ""
}

// contentLine is `coop stat`'s one line about what is inside the object:
// the headline a preview starts with.
func contentLine(s *content.Summary, reason string) string {
	if s == nil {
		return safe.Text(reason)
	}
	lines := render.Lines(context.Background(), s, render.Options{Width: 200})
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}
