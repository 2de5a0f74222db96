package server

import (
	"fmt"
	"log/slog"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// Anonymous access modes.
const (
	// AnonymousRead lets clients without a known key read public data.
	AnonymousRead = "read"
	// AnonymousNone refuses clients without a known key.
	AnonymousNone = "none"
)

// What an SFTP upload may do to an object that exists when it is opened
// with truncation (a plain `put`): see Config.Replace.
const (
	// ReplaceRefuse refuses it at open. SFTP cannot tell a finished upload
	// from one interrupted with Ctrl-C (OpenSSH closes the file either
	// way), so only a rename of a finished upload over the object (what
	// WinSCP and rclone do) or an rm first replaces it: never half a file.
	ReplaceRefuse = "refuse"
	// ReplaceOnClose replaces it with whatever arrived when the client
	// closes the file, as OpenSSH's own server does.
	ReplaceOnClose = "on-close"
)

// Defaults a Config falls back to.
const (
	DefaultListen      = "127.0.0.1:23234"
	DefaultMaxSessions = 64
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSession  = 12 * time.Hour
	// DefaultRate and DefaultBurst limit how fast one address opens
	// connections: a burst of 30 (a team behind one NAT starting up), then
	// 5 a second.
	DefaultRate  = 5.0
	DefaultBurst = 30
	// DefaultMaxUnauthenticated bounds the connections still logging in;
	// when it is reached the oldest of them is dropped for the newcomer.
	DefaultMaxUnauthenticated = 64
	// DefaultMaxPerAddress bounds, per address, the connections logging
	// in and the anonymous ones signed in.
	DefaultMaxPerAddress = 8
	// DefaultLoginTimeout is how long a connection may take to sign in,
	// and then to open its first session.
	DefaultLoginTimeout = 20 * time.Second
	// DefaultMaxChannels bounds the sessions (SSH channels: a browser, an
	// sftp, an scp) open at once on one connection, as OpenSSH's
	// MaxSessions does.
	DefaultMaxChannels = 10
	// DefaultMaxHandles bounds the files and folder listings one SFTP
	// session holds open.
	DefaultMaxHandles = 256
	// DefaultMaxSpool bounds the bytes of unfinished uploads one session
	// keeps in the spool.
	DefaultMaxSpool = 16 << 30
	// DefaultMaxReadBuffers bounds the memory the server keeps for SFTP
	// reads of objects streamed from S3 (a window of about 12 MiB each).
	DefaultMaxReadBuffers = 256 << 20
	// shutdownGrace is how long a shutdown waits for sessions to end.
	shutdownGrace = 10 * time.Second
	// maxRefusedPending bounds the connections kept open only to tell
	// the client why it is refused; past it, refused connections are
	// dropped at once.
	maxRefusedPending = 64
)

// Config configures a Server. Zero values take the defaults above.
type Config struct {
	// Store is the backend every session shares; each session sees it
	// through its own access layer. The Server does not close it.
	Store backend.Store
	// HostKey signs the server's side of the handshake (see LoadHostKey).
	HostKey gossh.Signer
	// Anonymous is AnonymousRead (the default) or AnonymousNone.
	Anonymous string
	// Audit records logins and writes; nil records nothing.
	Audit audit.Recorder

	// MaxSessions bounds the signed-in connections, MaxAnonymous (default
	// half of MaxSessions) the anonymous ones among them.
	MaxSessions  int
	MaxAnonymous int
	// MaxUnauthenticated bounds the connections still logging in, and
	// MaxPerAddress those of one address (and its anonymous sessions).
	MaxUnauthenticated int
	MaxPerAddress      int
	// LoginTimeout bounds the handshake and login, and then the wait for
	// the first session.
	LoginTimeout time.Duration
	// MaxChannels bounds the sessions open on one connection.
	MaxChannels int
	// MaxHandles bounds the open SFTP handles of one session, and
	// MaxOpenFiles those of the whole server (default: most of the
	// process's file descriptor limit).
	MaxHandles   int
	MaxOpenFiles int
	// MaxSpool bounds the bytes of unfinished uploads one session holds.
	MaxSpool int64
	// MaxReadBuffers bounds the memory of streamed SFTP reads across the
	// server; past it, each read is a ranged request of its own.
	MaxReadBuffers int64
	// Replace is ReplaceRefuse (the default) or ReplaceOnClose.
	Replace string
	// Rate (connections a second) and Burst limit one address; Rate < 0
	// turns the limit off.
	Rate  float64
	Burst int
	// IdleTimeout ends a connection whose client sent nothing for this
	// long; MaxSession ends any connection after this long. Negative
	// turns either off.
	IdleTimeout time.Duration
	MaxSession  time.Duration

	// Theme is the browser theme for clients that do not choose one
	// (COOP_THEME in the client's environment does).
	Theme string
	// KeyConfig is the content of a config.toml whose [keys] rebind the
	// browser's keys; each session parses its own copy. KeyConfigName
	// names it in errors.
	KeyConfig     []byte
	KeyConfigName string
	// PageSize is the browser's list page size (0: the store's choice).
	PageSize int
	// SpoolDir holds SFTP and scp uploads until they are complete (""
	// for the system's temporary folder).
	SpoolDir string
	// Logger receives logins, session ends and refusals; nil discards
	// them. The audit log records writes whatever this is.
	Logger *slog.Logger
}

// withDefaults checks cfg and fills in what it leaves at zero.
func (cfg Config) withDefaults() (Config, error) {
	switch cfg.Anonymous {
	case "":
		cfg.Anonymous = AnonymousRead
	case AnonymousRead, AnonymousNone:
	default:
		return cfg, fmt.Errorf("anonymous access must be %s or %s, not %q", AnonymousRead, AnonymousNone, cfg.Anonymous)
	}
	switch cfg.Replace {
	case "":
		cfg.Replace = ReplaceRefuse
	case ReplaceRefuse, ReplaceOnClose:
	default:
		return cfg, fmt.Errorf("replace must be %s or %s, not %q", ReplaceRefuse, ReplaceOnClose, cfg.Replace)
	}
	orDefault(&cfg.MaxSessions, DefaultMaxSessions)
	orDefault(&cfg.MaxAnonymous, max(cfg.MaxSessions/2, 1))
	orDefault(&cfg.MaxUnauthenticated, DefaultMaxUnauthenticated)
	orDefault(&cfg.MaxPerAddress, DefaultMaxPerAddress)
	orDefault(&cfg.LoginTimeout, DefaultLoginTimeout)
	orDefault(&cfg.MaxChannels, DefaultMaxChannels)
	orDefault(&cfg.MaxHandles, DefaultMaxHandles)
	orDefault(&cfg.MaxOpenFiles, defaultMaxOpenFiles())
	orDefault(&cfg.MaxSpool, DefaultMaxSpool)
	orDefault(&cfg.MaxReadBuffers, DefaultMaxReadBuffers)
	orDefault(&cfg.Burst, DefaultBurst)
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSession == 0 {
		cfg.MaxSession = DefaultMaxSession
	}
	return cfg, nil
}

// orDefault sets *v to def when it is zero or negative.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
