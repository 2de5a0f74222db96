package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// Pager opens files in the user's pager: the command, and how to read a
// whole object. Only a browser on the user's own machine has one; over
// SSH the file would land on the server's disk.
type Pager struct {
	// Command is the pager and its arguments ($PAGER, else less); the
	// file's path is added last.
	Command []string
	// Open reads a whole object.
	Open func(ctx context.Context, repo backend.RepoRef, path string) (io.ReadCloser, error)
}

// maxPagerBytes is the largest file the pager key fetches: beyond, a
// download is the honest way.
const maxPagerBytes = 256 << 20

var errNoPager = errors.New("files open in a pager only on your own machine; over SSH, copy the file with sftp or scp")

// pagerReadyMsg says a file was fetched to dir/file for the pager.
type pagerReadyMsg struct {
	dir, file string
	err       error
}

// pagerDoneMsg says the pager exited.
type pagerDoneMsg struct{ err error }

// openPager fetches the selected file to a private temporary file and
// opens it in the pager.
func (v *treePage) openPager() tea.Cmd {
	e := v.selected()
	switch {
	case e == nil:
		return nil
	case v.c.pager == nil:
		v.c.shell.fail("Not available here", errNoPager)
		return nil
	case e.dir:
		v.c.shell.say("the pager opens files, not folders")
		return nil
	case e.size > maxPagerBytes:
		v.c.shell.say(fmt.Sprintf("%s is too large for the pager (%s); download it instead", safe.Text(e.name()), humanize.Bytes(e.size)))
		return nil
	}
	if s := v.sect; s != nil && s.path == e.path && s.sum != nil && !isText(s.sum.Format) {
		v.c.shell.say(fmt.Sprintf("%s is %s, not text: the pager shows text", safe.Text(e.name()), s.sum.Format))
		return nil
	}
	v.c.shell.say("fetching " + safe.Text(e.name()) + " for the pager…")
	open, repo, p, ctx := v.c.pager.Open, v.repo, e.path, v.ctx
	return func() tea.Msg { return fetchForPager(ctx, open, repo, p) }
}

// isText reports the formats a pager shows.
func isText(f content.Format) bool {
	switch f {
	case content.FormatText, content.FormatMarkdown, content.FormatJSON, content.FormatGeoJSON, content.FormatYAML,
		content.FormatTOML, content.FormatCode, content.FormatCSV, content.FormatTSV, content.FormatEmpty:
		return true
	}
	return false
}

// fetchForPager copies an object into a new private folder (0700, the
// file 0600), named by its extension only: the object's name is not
// trusted on the local disk.
func fetchForPager(ctx context.Context, open func(context.Context, backend.RepoRef, string) (io.ReadCloser, error),
	repo backend.RepoRef, p string) pagerReadyMsg {
	rc, err := open(ctx, repo, p)
	if err != nil {
		return pagerReadyMsg{err: err}
	}
	defer rc.Close()
	dir, err := os.MkdirTemp("", "coop-pager-")
	if err != nil {
		return pagerReadyMsg{err: err}
	}
	file := filepath.Join(dir, "preview"+safeExt(path.Ext(p)))
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = io.Copy(f, io.LimitReader(rc, maxPagerBytes))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return pagerReadyMsg{err: err}
	}
	return pagerReadyMsg{dir: dir, file: file}
}

// safeExt keeps an extension made of letters and digits, up to 10.
func safeExt(ext string) string {
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, r := range ext[1:] {
		alnum := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		if !alnum {
			return ""
		}
	}
	return ext
}

// onPagerReady runs the pager on the fetched file, giving it the
// terminal, and removes the file once it exits.
func (v *treePage) onPagerReady(msg pagerReadyMsg) tea.Cmd {
	v.c.shell.say("")
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			v.c.shell.fail("Could not fetch the file for the pager", msg.err)
		}
		return nil
	}
	args := append(append([]string(nil), v.c.pager.Command[1:]...), msg.file)
	cmd := exec.Command(v.c.pager.Command[0], args...) //nolint:gosec // the user's own $PAGER
	dir := msg.dir
	return tea.ExecProcess(cmd, func(err error) tea.Msg {
		_ = os.RemoveAll(dir)
		return pagerDoneMsg{err: err}
	})
}

// PagerCommand is the pager to run: $PAGER split into words, else less.
func PagerCommand(env string) []string {
	if f := strings.Fields(env); len(f) > 0 {
		return f
	}
	return []string{"less"}
}
