package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/safe"
)

// promptKind is what a path prompt is for.
type promptKind int

const (
	promptUpload   promptKind = iota + 1 // a local file or folder to upload
	promptDownload                       // a local folder to download into
)

// maxOptions is how many completion candidates the prompt lists.
const maxOptions = 8

// prompt asks for a local path, completing it with tab. The disk is read
// in commands only; each reply carries the request id and the input it
// was made for, so a reply to an older input is dropped.
type prompt struct {
	c        *Common
	x        *transfers
	kind     promptKind
	repo     backend.RepoRef
	folder   string   // upload: the repository folder to upload into
	targets  []target // download: the entries to download
	done     func()   // download: called once the jobs are submitted
	input    textinput.Model
	raw      string // a completed path the input cannot hold as it is
	req      uint64
	checking bool     // the path is being checked
	options  []string // completion candidates of the last tab
	more     int      // candidates not listed
	note     string   // why the path was refused, or "no match"
}

// completeMsg lists the names that complete a prompt's input.
type completeMsg struct {
	req    uint64
	input  string
	prefix string   // input up to the part being completed
	names  []string // candidates, folders with a trailing slash
	err    error
}

// pathMsg is a prompt's path, checked on disk.
type pathMsg struct {
	req      uint64
	abs      string
	dir      bool
	contents bool // a folder named with a trailing slash: its contents
	err      error
}

// newUploadPrompt asks for a local file or folder to upload into folder.
func newUploadPrompt(c *Common, x *transfers, repo backend.RepoRef, folder string) *prompt {
	p := &prompt{c: c, x: x, kind: promptUpload, repo: repo, folder: folder, input: newInput(c, "> ")}
	p.input.Focus()
	return p
}

// newDownloadPrompt asks for a local folder to download ts into, starting
// at the working folder; done runs once the jobs are queued.
func newDownloadPrompt(c *Common, x *transfers, repo backend.RepoRef, ts []target, done func()) *prompt {
	p := &prompt{c: c, x: x, kind: promptDownload, repo: repo, targets: ts, done: done, input: newInput(c, "> ")}
	if x.cwd != "" {
		p.setValue(x.cwd + string(filepath.Separator))
	}
	p.input.Focus()
	return p
}

func (p *prompt) layer() layer { return layerDialog }

// loading reports whether the path is being checked.
func (p *prompt) loading() bool { return p.checking }

// value is the path typed: the completed path itself when the input could
// not hold it as it is (a name with a control character).
func (p *prompt) value() string {
	if p.raw != "" && p.input.Value() == sanitizeInput(p.raw) {
		return p.raw
	}
	return p.input.Value()
}

// setValue puts path in the input, with the cursor at its end.
func (p *prompt) setValue(path string) {
	p.raw = ""
	if clean := sanitizeInput(path); clean != path {
		p.raw, path = path, clean
	}
	p.input.SetValue(path)
	p.input.CursorEnd()
}

// expandHome replaces a leading ~ with the home folder.
func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~"+string(filepath.Separator)); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// Update handles the keys, pasted text, completions and the checked path.
func (p *prompt) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.onKey(msg)
	case tea.PasteMsg:
		if !p.checking {
			pasteInto(&p.input, msg.Content)
			p.changed()
		}
	case completeMsg:
		p.onComplete(msg)
	case pathMsg:
		return p.onPath(msg)
	}
	return nil
}

func (p *prompt) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &p.c.Keys
	dirsOnly := p.kind == promptDownload
	switch {
	case key.Matches(msg, k.Cancel):
		p.c.shell.close(p)
	case p.checking:
		// The path is being checked: keys typed meanwhile are not
		// added to a path that is about to be used.
	case key.Matches(msg, k.Submit):
		if strings.TrimSpace(p.value()) == "" {
			return nil
		}
		p.req, p.checking, p.note = p.c.nextID(), true, ""
		return tea.Batch(p.c.spin(), checkPath(p.req, p.value(), p.x.home, dirsOnly))
	case p.kind == promptUpload && key.Matches(msg, k.TargetUp):
		// A folder selected is the target; this reaches the folders
		// above it, up to the repository's root.
		if p.folder != "" {
			p.folder = backend.ParentFolder(p.folder)
		}
		return nil
	case key.Matches(msg, k.Complete):
		p.req = p.c.nextID()
		return completePath(p.req, p.value(), p.x.home, dirsOnly)
	case key.Matches(msg, k.DeleteWordBack):
		// In a path a word is a folder: drop the last one before the
		// cursor, and its separator.
		v := []rune(p.input.Value())
		at := p.input.Position()
		t := strings.TrimRight(string(v[:at]), string(filepath.Separator))
		keep := t[:strings.LastIndexByte(t, filepath.Separator)+1]
		p.setValue(keep + string(v[at:]))
		p.input.SetCursor(len([]rune(keep)))
		p.changed()
	case editKey(&p.input, msg):
		p.raw = ""
		p.changed()
	}
	return nil
}

// changed forgets what was shown for the previous input.
func (p *prompt) changed() {
	p.options, p.more, p.note = nil, 0, ""
}

// completePath lists the entries of the folder the input is in whose
// names start with its last part (hidden ones only if that part starts
// with a dot); dirsOnly keeps only folders.
func completePath(req uint64, input, home string, dirsOnly bool) tea.Cmd {
	return func() tea.Msg {
		in := input
		if in == "~" {
			in += string(filepath.Separator)
		}
		sep := strings.LastIndexByte(in, filepath.Separator)
		prefix, base := in[:sep+1], in[sep+1:]
		dir := expandHome(prefix, home)
		if dir == "" {
			dir = "."
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return completeMsg{req: req, input: input, err: err}
		}
		var names []string
		for _, e := range ents {
			name := e.Name()
			if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
					isDir = fi.IsDir()
				}
			}
			if dirsOnly && !isDir {
				continue
			}
			if isDir {
				name += string(filepath.Separator)
			}
			names = append(names, name)
		}
		slices.Sort(names)
		return completeMsg{req: req, input: input, prefix: prefix, names: names}
	}
}

func (p *prompt) onComplete(msg completeMsg) {
	if p.req != msg.req || p.value() != msg.input {
		return // stale: the input changed since
	}
	p.changed()
	switch {
	case msg.err != nil:
		p.note = safe.Text(localError(msg.err))
	case len(msg.names) == 0:
		p.note = "no match"
	case len(msg.names) == 1:
		p.setValue(msg.prefix + msg.names[0])
	default:
		p.setValue(msg.prefix + commonPrefix(msg.names))
		p.options = msg.names[:min(len(msg.names), maxOptions)]
		p.more = len(msg.names) - len(p.options)
	}
}

// commonPrefix is the longest prefix shared by names.
func commonPrefix(names []string) string {
	cp := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, cp) {
			cp = cp[:len(cp)-1]
		}
	}
	return cp
}

// checkPath makes the input absolute and looks it up: an upload source
// must exist; a download folder is created if missing.
func checkPath(req uint64, input, home string, download bool) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(expandHome(strings.TrimSpace(input), home))
		if err != nil {
			return pathMsg{req: req, err: err}
		}
		fi, err := os.Stat(abs)
		if download && errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(abs, 0o755); err != nil {
				return pathMsg{req: req, err: err}
			}
			return pathMsg{req: req, abs: abs, dir: true}
		}
		if err != nil {
			return pathMsg{req: req, err: err}
		}
		if download && !fi.IsDir() {
			return pathMsg{req: req, err: fmt.Errorf("%s is not a folder", abs)}
		}
		return pathMsg{req: req, abs: abs, dir: fi.IsDir(), contents: fi.IsDir() && trailingSlash(input)}
	}
}

// trailingSlash reports whether a typed path ends with a separator: for
// a folder, as in rsync and coop upload, it means the folder's contents.
func trailingSlash(input string) bool {
	in := strings.TrimSpace(input)
	return len(in) > 1 && (strings.HasSuffix(in, "/") || strings.HasSuffix(in, string(filepath.Separator)))
}

// uploadHint says where the typed path will go, as the CLI would put it:
// "photos/" puts the contents of photos in the folder, "photos" the
// folder itself (or the file).
func (p *prompt) uploadHint() string {
	in := strings.TrimSpace(p.value())
	if in == "" {
		return ""
	}
	dest := safe.Text(p.repo.String()) + "/"
	if p.folder != "" {
		dest += safe.Text(p.folder) + "/"
	}
	name := safe.Text(filepath.Base(strings.TrimRight(filepath.ToSlash(in), "/")))
	if trailingSlash(in) {
		return "→ the contents of " + name + "/ go into " + dest
	}
	return "→ " + name + " goes into " + dest + name
}

// localError words a local file error without Go's "stat" prefix.
func localError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// onPath submits the prompt's jobs once its path is checked.
func (p *prompt) onPath(msg pathMsg) tea.Cmd {
	if p.req != msg.req {
		return nil
	}
	p.checking = false
	if msg.err != nil {
		p.note = safe.Text(localError(msg.err))
		return nil
	}
	var specs []transfer.Spec
	switch p.kind {
	case promptUpload:
		name := filepath.Base(msg.abs)
		if name == string(filepath.Separator) || name == "." {
			p.note = "name a file or a folder inside " + safe.Text(msg.abs)
			return nil
		}
		kind := transfer.UploadFile
		if msg.dir {
			kind = transfer.UploadTree
		}
		remote := backend.JoinPath(p.folder, name)
		if msg.contents {
			remote = p.folder
		}
		specs = append(specs, transfer.Spec{Kind: kind, Repo: p.repo, Local: msg.abs, Remote: remote, Policy: transfer.Ask})
	case promptDownload:
		for _, t := range p.targets {
			kind := transfer.DownloadFile
			if t.dir {
				kind = transfer.DownloadTree
			}
			specs = append(specs, transfer.Spec{Kind: kind, Repo: p.repo, Local: filepath.Join(msg.abs, path.Base(t.path)), Remote: t.path, Policy: transfer.Ask})
		}
	}
	var errs []error
	for _, s := range specs {
		if err := p.x.submit(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(specs) {
		p.note = safe.Text(errors.Join(errs...).Error())
		return nil
	}
	p.c.shell.close(p)
	if p.done != nil {
		p.done()
	}
	verb := "uploading " + safe.Text(msg.abs)
	if p.kind == promptDownload {
		verb = "downloading " + plural(len(specs), "entry", "entries") + " to " + safe.Text(msg.abs)
	}
	p.c.shell.sayJob(verb+" ("+keyName(p.c.Keys.Transfers)+" shows transfers)", 0)
	if len(errs) > 0 {
		p.c.shell.fail("Some transfers could not start", errors.Join(errs...))
	}
	return nil
}

// View draws the prompt: what it is for, the input, the completion
// candidates, and why a path was refused.
func (p *prompt) View(width, height int) string {
	s := &p.c.Styles
	w := boxWidth(width, 80)
	var title, ask string
	switch p.kind {
	case promptUpload:
		dest := safe.Text(p.repo.String()) + "/"
		if p.folder != "" {
			dest += safe.Text(p.folder) + "/"
		}
		title, ask = "Upload into "+cutMiddle(dest, w-len("Upload into ")), "Local file or folder (folder/ uploads its contents):"
	case promptDownload:
		what := safe.Text(p.targets[0].path)
		if len(p.targets) > 1 {
			what = plural(len(p.targets), "entry", "entries")
		}
		title, ask = "Download "+cutMiddle(what, w-len("Download ")), "Into the local folder (created if missing):"
	}
	lines := []string{s.Accent.Render(fit(title, w)), "", s.Row.Render(fit(ask, w)), viewInput(p.input, s, w, true)}
	if hint := ""; p.kind == promptUpload {
		if hint = p.uploadHint(); hint != "" {
			lines = append(lines, s.Muted.Render(fit(cutMiddle(hint, w), w)))
		}
	}
	for _, o := range p.options {
		lines = append(lines, s.Muted.Render(fit("  "+safe.Text(o), w)))
	}
	if p.more > 0 {
		lines = append(lines, s.Muted.Render(fit(fmt.Sprintf("  … and %d more", p.more), w)))
	}
	switch {
	case p.checking:
		lines = append(lines, s.Accent.Render(p.c.spinner.View()+" checking…"))
	case p.note != "":
		for _, l := range wrap(p.note, w) {
			lines = append(lines, s.Error.Render(l))
		}
	}
	lines = append(lines, "", p.c.shortHelp(p.c.Keys.PromptHelp()), s.Muted.Render("~ is your home folder"))
	return dialog(s.HelpBox, lines, width, height)
}

// ShortHelp is the prompt's keys that cannot be typed.
func (p *prompt) ShortHelp() []key.Binding {
	keys := p.c.Keys.PromptHelp()[1:]
	if p.kind == promptUpload && p.folder != "" {
		keys = append(keys, p.c.Keys.TargetUp)
	}
	return keys
}

// FullHelp is the prompt's keys.
func (p *prompt) FullHelp() [][]key.Binding { return [][]key.Binding{p.c.Keys.PromptHelp()} }
