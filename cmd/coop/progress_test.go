package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
)

// On a terminal the bar is redrawn in place and cleared before any line;
// failures are one line each, names made safe, with the hint for clashes.
func TestReporterBar(t *testing.T) {
	var out, errb bytes.Buffer
	r := &reporter{out: &out, err: &errb, bar: true, width: 80, reported: map[transfer.JobID]bool{}}
	repo := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	r.show(transfer.Update{Totals: transfer.Totals{Bytes: 50, TotalBytes: 100, Files: 1, TotalFiles: 2, Rate: 1024, ETA: 3 * time.Second}})
	r.show(transfer.Update{
		Failures: []transfer.ItemError{
			{Repo: repo, Path: "a/x\x1b[2J.txt", Err: transfer.ErrWouldOverwrite},
			{Repo: repo, Path: "/tmp/src/y", Local: true, Err: errors.New("permission denied")},
		},
		Jobs:   []transfer.Job{{ID: 1, Kind: transfer.UploadTree, Repo: repo, Local: "src", Remote: "a", State: transfer.Failed, Files: 1, Bytes: 50, Failed: 1}},
		Totals: transfer.Totals{Bytes: 100, TotalBytes: 100, Files: 2, TotalFiles: 2, Idle: true},
	})
	r.clearBar()
	e := errb.String()
	for _, want := range []string{
		"\r\x1b[2K[==========          ]  50% 50 B/100 B  1/2 files  1.0 KiB/s  ETA 3s",
		"\r\x1b[2Kcoop: acme/data/a/x\\x1b[2J.txt: already exists; not replaced (use --overwrite or --skip-existing)\n",
		"coop: /tmp/src/y: permission denied\n",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%q", want, e)
		}
	}
	if strings.Count(e, "\x1b[2J") > 0 {
		t.Error("an escape from a name reached the terminal")
	}
	if !strings.HasSuffix(e, "\r\x1b[2K") {
		t.Errorf("the bar is not cleared at the end: %q", e)
	}
	if got := out.String(); got != "upload src → acme/data/a: 1 file (50 B), 1 failed\n" {
		t.Errorf("stdout %q", got)
	}
}

// Without a terminal there is no bar: a progress line every few seconds.
func TestReporterPlain(t *testing.T) {
	var out, errb bytes.Buffer
	r := &reporter{out: &out, err: &errb, reported: map[transfer.JobID]bool{}}
	tot := transfer.Totals{Bytes: 1, TotalBytes: 4, Files: 1, TotalFiles: 4}
	r.show(transfer.Update{Totals: tot})
	r.show(transfer.Update{Totals: tot})
	if errb.Len() != 0 {
		t.Errorf("progress written at once: %q", errb.String())
	}
	r.lastPlain = time.Now().Add(-plainEvery)
	r.show(transfer.Update{Totals: tot})
	if got := errb.String(); !strings.HasPrefix(got, "coop: [=====") || strings.ContainsRune(got, '\r') {
		t.Errorf("plain progress line %q", got)
	}
	if countOf(1, "file") != "1 file" || countOf(1234, "file") != "1,234 files" {
		t.Error(fmt.Sprint(countOf(1, "file"), countOf(1234, "file")))
	}
}

// The bar never wraps: it is cut to the terminal's width.
func TestReporterBarFitsTheTerminal(t *testing.T) {
	var errb bytes.Buffer
	r := &reporter{out: &bytes.Buffer{}, err: &errb, bar: true, width: 30, reported: map[transfer.JobID]bool{}}
	r.show(transfer.Update{Totals: transfer.Totals{Bytes: 50, TotalBytes: 100, Files: 1, TotalFiles: 2}})
	if line := strings.TrimPrefix(errb.String(), "\r\x1b[2K"); len(line) != 29 {
		t.Errorf("bar of %d columns on a 30-column terminal: %q", len(line), line)
	}
}
