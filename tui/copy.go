package tui

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// Copying goes to the clipboard of the user's terminal with OSC 52
// (tea.SetClipboard), so it works over SSH and through tmux (with its
// set-clipboard option on), where no clipboard program of the machine
// running coop could reach the user.

// copyPaths copies the marked entries' paths, one a line, or the
// selected entry's, as ACCOUNT/REPO/PATH: what every coop command takes.
func (v *treePage) copyPaths() tea.Cmd {
	ts := v.targets()
	if len(ts) == 0 {
		return nil
	}
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = v.repo.String() + "/" + t.path
	}
	return v.copyText(lines, "path")
}

// copyURIs copies the s3:// URI of the marked or selected entries on an
// S3 store, the file:// URL of their files on a local one.
func (v *treePage) copyURIs() tea.Cmd {
	ts := v.targets()
	if len(ts) == 0 {
		return nil
	}
	base, err := objectBase(v.c.src.Location())
	if err != nil {
		v.c.shell.fail("Cannot copy a URI", err)
		return nil
	}
	lines := make([]string, len(ts))
	for i, t := range ts {
		p := v.repo.String() + "/" + t.path
		if t.dir {
			p += "/"
		}
		if strings.HasPrefix(base, "file://") {
			p = (&url.URL{Path: p}).EscapedPath()
		}
		lines[i] = base + p
	}
	return v.copyText(lines, "URI")
}

// objectBase is the start of an object's URI on the store at location:
// "s3://BUCKET/" or "file:///ROOT/". A browser served over SSH names its
// store by the session, not by a place the user could reach.
func objectBase(location string) (string, error) {
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, _, _ := strings.Cut(rest, " ")
		return "s3://" + bucket + "/", nil
	}
	if filepath.IsAbs(location) {
		return "file://" + (&url.URL{Path: filepath.ToSlash(location)}).EscapedPath() + "/", nil
	}
	return "", errors.New("this store has no URI you could use from here (" + location + "); copy the path with " +
		"the path key instead")
}

// copyText puts lines on the clipboard and says what was copied.
func (v *treePage) copyText(lines []string, what string) tea.Cmd {
	text := strings.Join(lines, "\n")
	note := "copied " + what + ": " + safe.Text(lines[0])
	if len(lines) > 1 {
		note = "copied " + plural(len(lines), what, what+"s") + " (one a line)"
	}
	v.c.shell.say(note)
	return tea.SetClipboard(text)
}

// copyLinkMsg is a presigned URL made in a command.
type copyLinkMsg struct {
	urls []string
	err  error
}

// copyLinks copies presigned HTTPS URLs of the marked or selected files,
// valid for the session's expiry, on a store that can make them (S3); a
// local store cannot, and says so.
func (v *treePage) copyLinks() tea.Cmd {
	ts := v.targets()
	if len(ts) == 0 {
		return nil
	}
	ps := backend.CapabilitiesOf(v.c.src).Presign
	if ps == nil {
		v.c.shell.fail("Cannot copy a link", errors.New("this store cannot make links anyone can open: "+
			"presigned URLs are made by an S3 store (copy the path or the URI instead)"))
		return nil
	}
	var paths []string
	for _, t := range ts {
		if !t.dir {
			paths = append(paths, t.path)
		}
	}
	if len(paths) == 0 {
		v.c.shell.fail("Cannot copy a link", errors.New("a link opens one file; a folder has none"))
		return nil
	}
	ctx, repo, expiry := v.ctx, v.repo, v.c.linkExpiry
	return tea.Batch(v.c.spin(), func() tea.Msg {
		var msg copyLinkMsg
		for _, p := range paths {
			u, err := ps.PresignGetObject(ctx, repo, p, expiry)
			if err != nil {
				return copyLinkMsg{err: err}
			}
			msg.urls = append(msg.urls, u)
		}
		return msg
	})
}

// onCopyLink copies the links made, or shows why none could be.
func (v *treePage) onCopyLink(msg copyLinkMsg) tea.Cmd {
	if msg.err != nil {
		v.c.shell.fail("Cannot copy a link", msg.err)
		return nil
	}
	return v.copyText(msg.urls, "link")
}
