package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/server"
)

// cmdServe serves the store over SSH until interrupted.
func (a *app) cmdServe(ctx context.Context, args []string) error {
	fs := a.flags("serve")
	listen := fs.String("listen", envOr(a.getenv, "COOP_LISTEN", server.DefaultListen), "address to listen on")
	hostKey := fs.String("host-key", a.getenv("COOP_HOST_KEY"), "host key file (created on first start)")
	anonymous := fs.String("anonymous", envOr(a.getenv, "COOP_ANONYMOUS", server.AnonymousRead), "read or none: what clients without a known key may do")
	maxSessions := fs.Int("max-sessions", server.DefaultMaxSessions, "most signed-in connections at once")
	maxAnonymous := fs.Int("max-anonymous", 0, "most anonymous connections at once (default half of --max-sessions)")
	maxUnauth := fs.Int("max-unauthenticated", server.DefaultMaxUnauthenticated, "most connections still logging in (the oldest gives way)")
	perAddress := fs.Int("max-per-address", server.DefaultMaxPerAddress, "most connections logging in, and anonymous ones, from one address")
	loginTimeout := fs.Duration("login-timeout", server.DefaultLoginTimeout, "time to sign in, and then to open a session")
	maxChannels := fs.Int("max-channels", server.DefaultMaxChannels, "most sessions (browser, sftp, scp) open on one connection")
	maxHandles := fs.Int("max-handles", server.DefaultMaxHandles, "most files and folders one SFTP session holds open")
	maxOpenFiles := fs.Int("max-open-files", 0, "most files open across the server (default 3/4 of the file descriptor limit)")
	maxSpool := fs.String("max-spool", "16GiB", "most bytes of unfinished uploads one session holds")
	maxReadBuffers := fs.String("max-read-buffers", "256MiB", "most memory for streamed SFTP reads from S3 across the server")
	replace := fs.String("sftp-replace", server.ReplaceRefuse, "refuse or on-close: whether an sftp put replaces an existing file")
	idle := fs.Duration("idle-timeout", server.DefaultIdleTimeout, "disconnect clients idle this long (0: never)")
	longest := fs.Duration("max-session", server.DefaultMaxSession, "longest a connection may last (0: no limit)")
	rate := fs.Float64("rate", server.DefaultRate, "new connections a second allowed from one address (0: no limit)")
	burst := fs.Int("burst", server.DefaultBurst, "connections one address may open at once before --rate applies")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("serve takes no arguments (see coop --help)")
	}
	if *anonymous != server.AnonymousRead && *anonymous != server.AnonymousNone {
		return usagef("--anonymous must be read or none, not %q", *anonymous)
	}
	if a.opts.as != "" {
		return usagef("--as does not apply to serve: each SSH session acts as its own account")
	}
	if *maxSessions <= 0 || *burst <= 0 || *maxUnauth <= 0 || *perAddress <= 0 || *loginTimeout <= 0 || *maxChannels <= 0 || *maxHandles <= 0 {
		return usagef("--max-sessions, --burst, --max-unauthenticated, --max-per-address, --login-timeout, --max-channels and --max-handles must be positive")
	}
	if *rate < 0 || *idle < 0 || *longest < 0 || *maxAnonymous < 0 || *maxOpenFiles < 0 {
		return usagef("--rate, --idle-timeout, --max-session, --max-anonymous and --max-open-files must not be negative")
	}
	spoolBytes, err := humanize.ParseBytes(*maxSpool)
	if err != nil || spoolBytes <= 0 {
		return usagef("--max-spool %q: give a size such as 16GiB or 500MB", *maxSpool)
	}
	readBuffers, err := humanize.ParseBytes(*maxReadBuffers)
	if err != nil || readBuffers <= 0 {
		return usagef("--max-read-buffers %q: give a size such as 256MiB", *maxReadBuffers)
	}
	if *replace != server.ReplaceRefuse && *replace != server.ReplaceOnClose {
		return usagef("--sftp-replace must be %s or %s, not %q", server.ReplaceRefuse, server.ReplaceOnClose, *replace)
	}
	keyCfg, keyCfgName, theme, err := a.serveConfig()
	if err != nil {
		return err
	}
	if *hostKey == "" {
		if *hostKey, err = a.dataFile("ssh_host_ed25519_key"); err != nil {
			return err
		}
	}
	signer, err := server.LoadHostKey(*hostKey)
	if err != nil {
		return err
	}
	spool, err := a.dataFile("spool")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return fmt.Errorf("spool folder: %w", err)
	}
	if n, err := server.CleanSpool(spool); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "coop: removed %d unfinished uploads left by an earlier run\n", n)
	}
	auditPath, err := a.auditPath()
	if err != nil {
		return err
	}
	log := audit.Open(auditPath, a.auditWarning)
	defer func() { _ = log.Close() }()
	store, err := a.openBase(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := server.New(server.Config{
		Store: store, HostKey: signer, Anonymous: *anonymous, Audit: log,
		MaxSessions: *maxSessions, MaxAnonymous: *maxAnonymous, MaxUnauthenticated: *maxUnauth, MaxPerAddress: *perAddress,
		LoginTimeout: *loginTimeout, MaxChannels: *maxChannels, MaxHandles: *maxHandles, MaxOpenFiles: *maxOpenFiles,
		MaxSpool: spoolBytes, MaxReadBuffers: readBuffers, Replace: *replace, Rate: offIfZero(*rate), Burst: *burst,
		IdleTimeout: offIfZeroDur(*idle), MaxSession: offIfZeroDur(*longest),
		Theme: theme, KeyConfig: keyCfg, KeyConfigName: keyCfgName, SpoolDir: spool,
		Logger: slog.New(slog.NewTextHandler(a.stderr, nil)),
	})
	if err != nil {
		return usageError{err.Error()}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	fmt.Fprintf(a.stderr, "coop: serving %s on ssh://%s (host key %s; anonymous %s; audit log %s)\n",
		store.Location(), ln.Addr(), gossh.FingerprintSHA256(signer.PublicKey()), *anonymous, auditPath)
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "coop: server stopped")
	return nil
}

// serveConfig reads the config file once, for the sessions' keys and
// default theme; each session parses its own copy of the keys.
func (a *app) serveConfig() (data []byte, name, theme string, err error) {
	name = a.configPath()
	if name != "" {
		data, err = os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			data, err = nil, nil
		}
		if err != nil {
			return nil, "", "", fmt.Errorf("read config: %w", err)
		}
	}
	cfg := keymap.Config{Keys: keymap.Default()}
	if data != nil {
		if cfg, err = keymap.ParseConfig(name, data); err != nil {
			return nil, "", "", usageError{err.Error()}
		}
	}
	if theme, err = a.theme(cfg.Theme); err != nil {
		return nil, "", "", err
	}
	return data, name, theme, nil
}

// dataFile is a file of coop's own in the data folder (see dataDir).
func (a *app) dataFile(name string) (string, error) {
	dir, err := a.dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// offIfZero maps the command line's 0 ("no limit") to the server's
// negative "off".
func offIfZero(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

func offIfZeroDur(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
