package keymap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/BurntSushi/toml"

	"github.com/coopterm/coop/themes"
)

// Config is what the browser reads from config.toml: the theme name, the
// key bindings after rebinding, and the content preview's byte budget.
type Config struct {
	// Theme is the top-level theme setting: "", "auto", or a built-in name.
	Theme string
	// Keys is Default() with the [keys] table applied.
	Keys KeyMap
	// PreviewBytes is [preview] max_bytes: the most one content preview
	// reads from the store; 0 leaves the default (1 MiB).
	PreviewBytes int64
	// Sort is the [sort] table: how the browser sorts folders at first.
	Sort Sort
	// LinkExpiry is [links] expiry: how long a presigned URL the browser
	// copies stays valid; 0 leaves the default (DefaultLinkExpiry).
	LinkExpiry time.Duration
}

// DefaultLinkExpiry is how long a copied presigned URL lasts unless the
// config file says otherwise; links last at most seven days (S3's limit).
const DefaultLinkExpiry = time.Hour

// Sort is how the browser sorts the entries of a folder: By "name"
// (natural order, the default), "size" (largest first) or "modified"
// (newest first), Reverse to turn that round, FoldersFirst to put the
// folders before the files.
type Sort struct {
	By           string
	Reverse      bool
	FoldersFirst bool
}

// Bounds of [preview] max_bytes: less than 64 KiB could not hold the
// first lines of a text; more than 1 GiB is no longer a preview.
const (
	MinPreviewBytes = 64 << 10
	MaxPreviewBytes = 1 << 30
)

// ConfigPath returns where the config file lives:
// $XDG_CONFIG_HOME/coop/config.toml, else ~/.config/coop/config.toml. It
// takes the environment as a function so SSH sessions and tests can
// supply their own; it returns "" if neither variable is set.
func ConfigPath(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "coop", "config.toml")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "coop", "config.toml")
	}
	return ""
}

// LoadConfig reads the config file at path. A missing file (or an empty
// path) gives the defaults; any other problem is an error naming the file
// and line, such as `config.toml:7: unknown action "upp"`.
func LoadConfig(path string) (Config, error) {
	if path == "" {
		return Config{Keys: Default()}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{Keys: Default()}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

// Load reads only the key bindings of the config file at path; see
// LoadConfig.
func Load(path string) (KeyMap, error) {
	c, err := LoadConfig(path)
	return c.Keys, err
}

// configFile is the decoded shape of config.toml. Top-level keys other
// than theme are left to other parts of the program and ignored here.
// Values stay toml.Primitive so that errors can name their line.
type configFile struct {
	Theme   toml.Primitive            `toml:"theme"`
	Keys    map[string]toml.Primitive `toml:"keys"`
	Preview struct {
		MaxBytes toml.Primitive `toml:"max_bytes"`
	} `toml:"preview"`
	Links struct {
		Expiry toml.Primitive `toml:"expiry"`
	} `toml:"links"`
	Sort struct {
		By           toml.Primitive `toml:"by"`
		Reverse      toml.Primitive `toml:"reverse"`
		FoldersFirst toml.Primitive `toml:"folders_first"`
	} `toml:"sort"`
}

// failWith is decoded in place of a value to turn err into a TOML error
// carrying the value's position: the decoder attaches the key's line to
// errors returned by an Unmarshaler.
type failWith struct{ err error }

// UnmarshalTOML implements toml.Unmarshaler by failing with f.err.
func (f failWith) UnmarshalTOML(any) error { return f.err }

// ParseConfig parses config file contents; name is used in error
// messages (a path or "config.toml").
func ParseConfig(name string, data []byte) (Config, error) {
	cfg := Config{Keys: Default()}
	var f configFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return Config{}, positioned(name, data, err, "")
	}
	fail := func(p toml.Primitive, err error) error {
		return positioned(name, data, md.PrimitiveDecode(p, failWith{err}), "")
	}
	if md.IsDefined("theme") {
		var theme themeName
		if err := md.PrimitiveDecode(f.Theme, &theme); err != nil {
			return Config{}, positioned(name, data, err, "")
		}
		cfg.Theme = string(theme)
		if _, err := themes.Get(cfg.Theme); err != nil {
			return Config{}, fail(f.Theme, err)
		}
	}

	if md.IsDefined("preview", "max_bytes") {
		var v any
		if err := md.PrimitiveDecode(f.Preview.MaxBytes, &v); err != nil {
			return Config{}, positioned(name, data, err, "preview.max_bytes: ")
		}
		n, ok := v.(int64)
		if !ok {
			return Config{}, fail(f.Preview.MaxBytes, fmt.Errorf("preview.max_bytes: want a number of bytes, not %v", v))
		}
		if n < MinPreviewBytes || n > MaxPreviewBytes {
			return Config{}, fail(f.Preview.MaxBytes, fmt.Errorf("preview.max_bytes %d: want %d (64 KiB) to %d (1 GiB)", n, MinPreviewBytes, MaxPreviewBytes))
		}
		cfg.PreviewBytes = n
	}

	if cfg.Sort, err = parseSort(&f, md, fail); err != nil {
		return Config{}, err
	}
	if md.IsDefined("links", "expiry") {
		var v any
		_ = md.PrimitiveDecode(f.Links.Expiry, &v)
		str, _ := v.(string)
		d, perr := time.ParseDuration(str)
		if perr != nil || d < time.Second || d > 7*24*time.Hour {
			return Config{}, fail(f.Links.Expiry, fmt.Errorf("links.expiry: want a duration from \"1s\" to \"168h\" (7 days), like \"1h\"; got %v", v))
		}
		cfg.LinkExpiry = d
	}

	byName := map[string]action{}
	for _, a := range actions() {
		byName[a.name] = a
	}
	var rebound []string
	// Walk in document order so the first problem reported is the first
	// one in the file.
	for _, k := range md.Keys() {
		if len(k) != 2 || k[0] != "keys" {
			continue
		}
		prim := f.Keys[k[1]]
		a, ok := byName[k[1]]
		if !ok {
			return Config{}, fail(prim, fmt.Errorf("unknown action %q (valid: %s)", k[1], strings.Join(Actions(), ", ")))
		}
		var spec keySpec
		if err := md.PrimitiveDecode(prim, &spec); err != nil {
			return Config{}, positioned(name, data, err, a.name+": ")
		}
		if a.name == "quit" && len(spec) == 0 {
			return Config{}, fail(prim, errors.New("quit must keep at least one key"))
		}
		b := a.get(&cfg.Keys)
		if len(spec) == 0 {
			*b = key.NewBinding(key.WithDisabled(), key.WithHelp("", a.desc))
		} else {
			*b = key.NewBinding(key.WithKeys(spec...), key.WithHelp(helpKeys(spec), a.desc))
		}
		rebound = append(rebound, a.name)
	}
	if a, err := conflict(&cfg.Keys, rebound); err != nil {
		return Config{}, fail(f.Keys[a], err)
	}
	return cfg, nil
}

// conflict finds a key bound to two actions that are active at the same
// time and returns the rebound action to blame, so the error points at the
// line the user wrote rather than at an untouched default.
func conflict(k *KeyMap, rebound []string) (string, error) {
	if len(rebound) == 0 {
		return "", nil
	}
	isRebound := map[string]bool{}
	for _, n := range rebound {
		isRebound[n] = true
	}
	as := actions()
	ordered := make([]action, 0, len(as))
	for _, a := range as {
		if !isRebound[a.name] {
			ordered = append(ordered, a)
		}
	}
	for _, a := range as {
		if isRebound[a.name] {
			ordered = append(ordered, a)
		}
	}
	owner := map[string]string{} // mode + key → action
	for _, a := range ordered {
		mode := a.mode + ":"
		for _, ks := range a.get(k).Keys() {
			if prev, ok := owner[mode+ks]; ok && prev != a.name {
				return a.name, fmt.Errorf("key %q of %s is already bound to %s; rebind %s as well", ks, a.name, prev, prev)
			}
			owner[mode+ks] = a.name
		}
	}
	return "", nil
}

// positioned rewrites a TOML error as "file:line: prefix message", the
// form editors and users recognise.
func positioned(file string, data []byte, err error, prefix string) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		// A syntax error found at a line's end is reported by the parser
		// on the next line; point at the line the user has to fix.
		if s := pe.Position.Start; line > 1 && s < len(data) && data[s] == '\n' && pe.LastKey == "" {
			line--
		}
		return fmt.Errorf("%s:%d: %s%s", file, line, prefix, pe.Message)
	}
	return fmt.Errorf("%s: %w", file, err)
}

// parseSort reads the [sort] table: by = "name" | "size" | "modified",
// reverse and folders_first booleans.
func parseSort(f *configFile, md toml.MetaData, fail func(toml.Primitive, error) error) (Sort, error) {
	var out Sort
	if md.IsDefined("sort", "by") {
		var by any
		_ = md.PrimitiveDecode(f.Sort.By, &by)
		switch by {
		case "name", "size", "modified":
			out.By = by.(string)
		default:
			return Sort{}, fail(f.Sort.By, fmt.Errorf("sort.by: want \"name\", \"size\" or \"modified\", not %v", by))
		}
	}
	flag := func(p toml.Primitive, name string, defined bool) (bool, error) {
		if !defined {
			return false, nil
		}
		var v any
		_ = md.PrimitiveDecode(p, &v)
		b, ok := v.(bool)
		if !ok {
			return false, fail(p, fmt.Errorf("sort.%s: want true or false, not %v", name, v))
		}
		return b, nil
	}
	var err error
	if out.Reverse, err = flag(f.Sort.Reverse, "reverse", md.IsDefined("sort", "reverse")); err != nil {
		return Sort{}, err
	}
	if out.FoldersFirst, err = flag(f.Sort.FoldersFirst, "folders_first", md.IsDefined("sort", "folders_first")); err != nil {
		return Sort{}, err
	}
	return out, nil
}
