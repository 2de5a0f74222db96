package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// lsFlags are ls's flags.
type lsFlags struct {
	asJSON, long, human, recursive bool
}

func (a *app) lsCommand() *cobra.Command {
	var f lsFlags
	cmd := leaf("ls [ACCOUNT[/REPO[/PATH]]]", "List accounts, an account's repositories, or a folder",
		`With no argument, the accounts; with ACCOUNT, its repositories; with
ACCOUNT/REPO[/PATH], the folder: one line per entry with its type, size in
bytes (-h: 1.5 KiB), modification time (UTC) and name, folders ending in a
slash. -R lists every file below the folder instead, by its path from it.
Names that do not print as they are, or that coop cannot address, are
quoted and marked !, with one warning on stderr.`,
		func(ctx context.Context, pos []string) error { return a.cmdLs(ctx, pos, f) })
	fs := flagsOf(cmd)
	fs.BoolVarP(&f.long, "long", "l", false, "the long listing: type, size, modified, name (the default; for habit)")
	fs.BoolVarP(&f.human, "human-readable", "h", false, "sizes in KiB, MiB, GiB… instead of bytes")
	fs.BoolVarP(&f.recursive, "recursive", "R", false, "every file below the folder, by its path from it")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	fs.Bool("help", false, "help for ls") // --help only: -h is --human-readable
	cmd.ValidArgsFunction = a.completeStore(completeAll, 1)
	return cmd
}

func (a *app) cmdLs(ctx context.Context, pos []string, f lsFlags) error {
	var err error
	asJSON := f.asJSON
	if len(pos) > 1 {
		return usagef("usage: coop ls [-l] [-h] [-R] [ACCOUNT[/REPO[/PATH]]] [--json]")
	}
	var t target
	if len(pos) == 1 {
		if t, err = parseTarget(pos[0]); err != nil {
			return err
		}
	}
	a.dial = commandDial("ls")
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	out := newLister(a.stdout, asJSON)
	defer out.warn(a.stderr)
	defer out.flush()
	if f.recursive && t.repo == "" {
		return usagef("ls -R lists the files below a folder: give ACCOUNT/REPO[/PATH], not %q", strings.Join(pos, ""))
	}
	switch {
	case t.account == "":
		err = eachPage(ctx, func(req backend.PageRequest) (backend.Page[backend.Account], error) {
			return store.ListAccounts(ctx, "", req)
		}, func(acc backend.Account) error {
			out.unread("account "+acc.ID, acc.Unreadable)
			return out.row(acc, safe.Text(acc.ID), safe.Text(string(acc.Type)), safe.Text(acc.Name), unreadMark(acc.Unreadable))
		})
	case t.repo == "":
		acct, err := store.FindAccount(ctx, t.account)
		if err != nil {
			return err
		}
		if !asJSON && !acct.Type.Valid() {
			fmt.Fprintf(a.stderr, "coop: account %s is of type %q\n", safe.Text(acct.ID), safe.Text(string(acct.Type)))
		}
		err = eachPage(ctx, func(req backend.PageRequest) (backend.Page[backend.Repository], error) {
			return store.ListRepositories(ctx, t.account, req)
		}, func(r backend.Repository) error {
			out.unread("repository "+r.Ref().String(), r.Unreadable)
			return out.row(r, safe.Text(r.Ref().String()), safe.Text(string(r.Visibility)), dateOrDash(r.CreatedAt), safe.Text(r.Title), unreadMark(r.Unreadable))
		})
		if err != nil {
			return err
		}
	default:
		// The listing checks the repository while it lists (see
		// access.Store): one round trip, not two.
		row := func(e backend.Entry, name string) error {
			return out.row(e, entryColumns(out, e, name, f.human)...)
		}
		if f.recursive {
			if _, err := store.GetRepository(ctx, t.account, t.repo); err != nil {
				return err
			}
			err = backend.Walk(ctx, store, t.ref(), t.path, func(page []backend.Entry) error {
				for _, e := range page {
					if err := row(e, strings.TrimPrefix(e.Path[len(t.path):], "/")); err != nil {
						return err
					}
				}
				return nil
			})
			break
		}
		err = eachPage(ctx, func(req backend.PageRequest) (backend.Page[backend.Entry], error) {
			return store.ListObjects(ctx, t.ref(), t.path, req)
		}, func(e backend.Entry) error { return row(e, e.Name) })
	}
	if err != nil {
		return err
	}
	return out.close()
}

// entryColumns are a folder entry's columns: type, size (bytes, or human),
// modification time, name (as given: the entry's name, or its path from the
// folder listed), and the mark of an odd name, which out notes.
func entryColumns(out *lister, e backend.Entry, name string, human bool) []string {
	size, mark := strconv.FormatInt(e.Size, 10), ""
	if human {
		size = humanize.Bytes(e.Size)
	}
	if e.Odd != "" {
		// Quoted, so that an empty name or its spaces show.
		name, mark = strconv.Quote(name), "! "+e.Odd
		out.odd(e.Path, e.Odd)
	}
	name = safe.Text(name)
	if e.IsDir() {
		name, size = name+"/", "-"
	}
	mod := "-"
	if !e.ModTime.IsZero() {
		mod = e.ModTime.UTC().Format(time.DateTime)
	}
	return []string{string(e.Type), size, mod, name, mark}
}

// eachPage walks every page of a paged listing.
func eachPage[T any](ctx context.Context, list func(backend.PageRequest) (backend.Page[T], error), fn func(T) error) error {
	req := backend.PageRequest{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := list(req)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		req.Cursor = page.Next
	}
}

// dateOrDash is a catalog time as a date, or "-" when it is unknown.
func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// unreadMark is the last column of a catalog row: empty, or which
// attributes of the item coop could not read.
func unreadMark(errs []backend.FieldError) string {
	if len(errs) == 0 {
		return ""
	}
	fields := make([]string, len(errs))
	for i, e := range errs {
		fields[i] = e.Field
		if e.Field == "" {
			fields[i] = "item"
		}
	}
	return "! unreadable: " + safe.Text(strings.Join(fields, ", "))
}

// lister prints rows as aligned columns, or as one JSON array streamed
// item by item so a 100,000-entry folder is never held twice.
type lister struct {
	// w buffers stdout, so that a row is not several system calls (the
	// table wrote each cell and its padding by itself: 1,000 rows took
	// a tenth of `coop ls`'s CPU in write(2)); close and flush empty it.
	w     *bufio.Writer
	tw    *tabwriter.Writer
	json  bool
	count int
	enc   *json.Encoder
	// bad counts the items listed with attributes coop could not read;
	// first says what of the first one.
	bad   int
	first string
	names bool // what is marked are entries' names, not catalog items
}

// unread notes an item listed with attributes coop could not read.
func (l *lister) unread(what string, errs []backend.FieldError) {
	if len(errs) == 0 {
		return
	}
	if l.bad == 0 {
		l.first = what + ": " + backend.DescribeUnread(errs)
	}
	l.bad++
}

// odd notes an entry listed under a name coop cannot use as it is.
func (l *lister) odd(p, why string) {
	if l.bad == 0 {
		l.first = strconv.Quote(p) + ": " + why
	}
	l.bad++
	l.names = true
}

// warn prints the one warning of a listing that had unreadable items or
// odd names.
func (l *lister) warn(w io.Writer) {
	one, many, field := "an item listed has attributes coop cannot read", "items listed have attributes coop cannot read", "unreadable"
	if l.names {
		one, many, field = "an entry listed has a name coop cannot use as it is", "entries listed have names coop cannot use as they are", "odd"
	}
	switch {
	case l.bad == 1:
		fmt.Fprintf(w, "coop: warning: %s (marked !; %q in --json): %s\n", one, field, safe.Text(l.first))
	case l.bad > 1:
		fmt.Fprintf(w, "coop: warning: %d %s (marked !; %q in --json), the first %s\n", l.bad, many, field, safe.Text(l.first))
	}
}

// listerBuffer is how much output a lister holds before writing it.
const listerBuffer = 64 << 10

func newLister(w io.Writer, asJSON bool) *lister {
	l := &lister{w: bufio.NewWriterSize(w, listerBuffer), json: asJSON}
	if asJSON {
		l.enc = json.NewEncoder(safe.JSONWriter(l.w))
	} else {
		l.tw = tabwriter.NewWriter(l.w, 0, 4, 2, ' ', 0)
	}
	return l
}

// row prints one item: as JSON, or as its columns, less trailing empty
// ones (no padding at the end of a line).
func (l *lister) row(item any, cols ...string) error {
	defer func() { l.count++ }()
	for len(cols) > 1 && cols[len(cols)-1] == "" {
		cols = cols[:len(cols)-1]
	}
	if l.json {
		sep := ","
		if l.count == 0 {
			sep = "["
		}
		if _, err := io.WriteString(l.w, sep); err != nil {
			return err
		}
		return l.enc.Encode(item)
	}
	for i, c := range cols {
		if i > 0 {
			if _, err := io.WriteString(l.tw, "\t"); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(l.tw, c); err != nil {
			return err
		}
	}
	_, err := io.WriteString(l.tw, "\n")
	return err
}

// close ends the listing: the table's columns aligned, or the JSON
// array closed, and everything written.
func (l *lister) close() error {
	if !l.json {
		if err := l.tw.Flush(); err != nil {
			return err
		}
		return l.w.Flush()
	}
	end := "]\n"
	if l.count == 0 {
		end = "[]\n"
	}
	if _, err := l.w.WriteString(end); err != nil {
		return err
	}
	return l.w.Flush()
}

// flush writes what is buffered, as it was before a listing that failed
// part way (JSON items streamed so far; a table is only written whole,
// by close).
func (l *lister) flush() { _ = l.w.Flush() }
