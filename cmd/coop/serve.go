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

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/server"
)

// serveFlags are serve's flags.
type serveFlags struct {
	listen         *string
	hostKey        *string
	anonymous      *string
	maxSessions    *int
	maxAnonymous   *int
	maxUnauth      *int
	perAddress     *int
	loginTimeout   *time.Duration
	maxChannels    *int
	maxHandles     *int
	maxOpenFiles   *int
	maxSpool       *string
	maxReadBuffers *string
	replace        *string
	idle           *time.Duration
	longest        *time.Duration
	rate           *float64
	burst          *int
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := leaf("serve", "Serve the browser, sftp and scp over SSH", `Clients sign in with a key one of the store's accounts has (coop account
add-key); others are anonymous: --anonymous read lets them read public
repositories, and sign in with no key at all (sftp -b, ssh -T); none refuses
them. Logins, session ends and refusals are logged on stderr and in the
audit log.`, func(ctx context.Context, pos []string) error { return a.cmdServe(ctx, pos, &f) })
	fs := flagsOf(cmd)
	f.listen = fs.String("listen", envOr(a.getenv, "COOP_LISTEN", server.DefaultListen), "address to listen on")
	f.hostKey = fs.String("host-key", a.getenv("COOP_HOST_KEY"), "host key file (created on first start)")
	f.anonymous = fs.String("anonymous", envOr(a.getenv, "COOP_ANONYMOUS", server.AnonymousRead), "read or none: what clients without a known key may do")
	f.maxSessions = fs.Int("max-sessions", server.DefaultMaxSessions, "most signed-in connections at once")
	f.maxAnonymous = fs.Int("max-anonymous", 0, "most anonymous connections at once (default half of --max-sessions)")
	f.maxUnauth = fs.Int("max-unauthenticated", server.DefaultMaxUnauthenticated, "most connections still logging in (the oldest gives way)")
	f.perAddress = fs.Int("max-per-address", server.DefaultMaxPerAddress, "most connections logging in, and anonymous ones, from one address")
	f.loginTimeout = fs.Duration("login-timeout", server.DefaultLoginTimeout, "time to sign in, and then to open a session")
	f.maxChannels = fs.Int("max-channels", server.DefaultMaxChannels, "most sessions (browser, sftp, scp) open on one connection")
	f.maxHandles = fs.Int("max-handles", server.DefaultMaxHandles, "most files and folders one SFTP session holds open")
	f.maxOpenFiles = fs.Int("max-open-files", 0, "most files open across the server (default 3/4 of the file descriptor limit)")
	f.maxSpool = fs.String("max-spool", "16GiB", "most bytes of unfinished uploads one session holds")
	f.maxReadBuffers = fs.String("max-read-buffers", "256MiB", "most memory for streamed SFTP reads from S3 across the server")
	f.replace = fs.String("sftp-replace", server.ReplaceRefuse, "refuse or on-close: whether an sftp put replaces an existing file")
	f.idle = fs.Duration("idle-timeout", server.DefaultIdleTimeout, "disconnect clients idle this long (0: never)")
	f.longest = fs.Duration("max-session", server.DefaultMaxSession, "longest a connection may last (0: no limit)")
	f.rate = fs.Float64("rate", server.DefaultRate, "new connections a second allowed from one address (0: no limit)")
	f.burst = fs.Int("burst", server.DefaultBurst, "connections one address may open at once before --rate applies")
	_ = cmd.RegisterFlagCompletionFunc("anonymous", cobra.FixedCompletions([]string{server.AnonymousRead, server.AnonymousNone}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("sftp-replace", cobra.FixedCompletions([]string{server.ReplaceRefuse, server.ReplaceOnClose}, cobra.ShellCompDirectiveNoFileComp))
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	return cmd
}

// cmdServe serves the store over SSH until interrupted.
func (a *app) cmdServe(ctx context.Context, pos []string, f *serveFlags) error {
	if len(pos) != 0 {
		return usagef("serve takes no arguments (see coop --help)")
	}
	if *f.anonymous != server.AnonymousRead && *f.anonymous != server.AnonymousNone {
		return usagef("--anonymous must be read or none, not %q", *f.anonymous)
	}
	if a.opts.as != "" {
		return usagef("--as does not apply to serve: each SSH session acts as its own account")
	}
	if *f.maxSessions <= 0 || *f.burst <= 0 || *f.maxUnauth <= 0 || *f.perAddress <= 0 || *f.loginTimeout <= 0 || *f.maxChannels <= 0 || *f.maxHandles <= 0 {
		return usagef("--max-sessions, --burst, --max-unauthenticated, --max-per-address, --login-timeout, --max-channels and --max-handles must be positive")
	}
	if *f.rate < 0 || *f.idle < 0 || *f.longest < 0 || *f.maxAnonymous < 0 || *f.maxOpenFiles < 0 {
		return usagef("--rate, --idle-timeout, --max-session, --max-anonymous and --max-open-files must not be negative")
	}
	spoolBytes, err := humanize.ParseBytes(*f.maxSpool)
	if err != nil || spoolBytes <= 0 {
		return usagef("--max-spool %q: give a size such as 16GiB or 500MB", *f.maxSpool)
	}
	readBuffers, err := humanize.ParseBytes(*f.maxReadBuffers)
	if err != nil || readBuffers <= 0 {
		return usagef("--max-read-buffers %q: give a size such as 256MiB", *f.maxReadBuffers)
	}
	if *f.replace != server.ReplaceRefuse && *f.replace != server.ReplaceOnClose {
		return usagef("--sftp-replace must be %s or %s, not %q", server.ReplaceRefuse, server.ReplaceOnClose, *f.replace)
	}
	keyCfg, keyCfgName, theme, err := a.serveConfig()
	if err != nil {
		return err
	}
	if *f.hostKey == "" {
		if *f.hostKey, err = a.dataFile("ssh_host_ed25519_key"); err != nil {
			return err
		}
	}
	signer, err := server.LoadHostKey(*f.hostKey)
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
		Store: store, HostKey: signer, Anonymous: *f.anonymous, Audit: log,
		MaxSessions: *f.maxSessions, MaxAnonymous: *f.maxAnonymous, MaxUnauthenticated: *f.maxUnauth, MaxPerAddress: *f.perAddress,
		LoginTimeout: *f.loginTimeout, MaxChannels: *f.maxChannels, MaxHandles: *f.maxHandles, MaxOpenFiles: *f.maxOpenFiles,
		MaxSpool: spoolBytes, MaxReadBuffers: readBuffers, Replace: *f.replace, Rate: offIfZero(*f.rate), Burst: *f.burst,
		IdleTimeout: offIfZeroDur(*f.idle), MaxSession: offIfZeroDur(*f.longest),
		Theme: theme, KeyConfig: keyCfg, KeyConfigName: keyCfgName, SpoolDir: spool,
		Logger: slog.New(slog.NewTextHandler(a.stderr, nil)),
	})
	if err != nil {
		return usageError{err.Error()}
	}
	ln, err := net.Listen("tcp", *f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *f.listen, err)
	}
	fmt.Fprintf(a.stderr, "coop: serving %s on ssh://%s (host key %s; anonymous %s; audit log %s)\n",
		store.Location(), ln.Addr(), gossh.FingerprintSHA256(signer.PublicKey()), *f.anonymous, auditPath)
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
