package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// errHelp is returned when the user asked for help; it exits 0.
var errHelp = errors.New("help requested")

// usageError marks a mistake in how coop was called; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// options are the flags shared by every command: where the store is and
// how the browser looks. Each has a COOP_ environment twin.
type options struct {
	demo              bool
	backend           string
	storage           string
	bucket            string
	region            string
	profile           string
	endpointURL       string
	dynamoEndpoint    string
	pathStyle         bool
	accountsTable     string
	repositoriesTable string
	sse               string
	theme             string
	config            string
	as                string // act as this account ("anonymous" too) instead of the machine's owner
	auditLog          string // where writes and logins are recorded
}

// env reads the environment once so that tests can pass their own.
type env func(string) string

// envOr is the environment variable name, or def if it is unset or empty.
func envOr(getenv env, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func defaultOptions(getenv env) options {
	str := func(name, def string) string { return envOr(getenv, name, def) }
	boolean := func(name string) bool {
		b, _ := strconv.ParseBool(getenv(name))
		return b
	}
	return options{
		demo:              boolean("COOP_DEMO"),
		backend:           str("COOP_BACKEND", "local"),
		storage:           getenv("COOP_STORAGE"),
		bucket:            getenv("COOP_BUCKET"),
		region:            getenv("COOP_REGION"),
		profile:           getenv("COOP_PROFILE"),
		endpointURL:       getenv("COOP_ENDPOINT_URL"),
		dynamoEndpoint:    getenv("COOP_DYNAMODB_ENDPOINT"),
		pathStyle:         boolean("COOP_PATH_STYLE"),
		accountsTable:     str("COOP_ACCOUNTS_TABLE", "Accounts"),
		repositoriesTable: str("COOP_REPOSITORIES_TABLE", "Repositories"),
		sse:               getenv("COOP_SSE"),
		theme:             getenv("COOP_THEME"),
		config:            getenv("COOP_CONFIG"),
		as:                getenv("COOP_AS"),
		auditLog:          getenv("COOP_AUDIT_LOG"),
	}
}

// register adds the shared flags to fs, keeping values already parsed.
func (o *options) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.demo, "demo", o.demo, "use (and create if needed) the demo store")
	fs.StringVar(&o.backend, "backend", o.backend, "store backend: local or aws")
	fs.StringVar(&o.storage, "storage", o.storage, "local storage root")
	fs.StringVar(&o.bucket, "bucket", o.bucket, "S3 bucket (aws backend)")
	fs.StringVar(&o.region, "region", o.region, "AWS region")
	fs.StringVar(&o.profile, "profile", o.profile, "AWS shared-config profile")
	fs.StringVar(&o.endpointURL, "endpoint-url", o.endpointURL, "S3 endpoint URL")
	fs.StringVar(&o.dynamoEndpoint, "dynamodb-endpoint", o.dynamoEndpoint, "DynamoDB endpoint URL")
	fs.BoolVar(&o.pathStyle, "path-style", o.pathStyle, "use path-style S3 addressing")
	fs.StringVar(&o.accountsTable, "accounts-table", o.accountsTable, "DynamoDB accounts table")
	fs.StringVar(&o.repositoriesTable, "repositories-table", o.repositoriesTable, "DynamoDB repositories table")
	fs.StringVar(&o.sse, "sse", o.sse, "S3 server-side encryption: AES256 or aws:kms")
	fs.StringVar(&o.theme, "theme", o.theme, "colour theme: auto, dark, light or high-contrast")
	fs.StringVar(&o.config, "config", o.config, "config file (default $XDG_CONFIG_HOME/coop/config.toml)")
	fs.StringVar(&o.as, "as", o.as, "act as this account (or anonymous) instead of the machine's owner")
	fs.StringVar(&o.auditLog, "audit-log", o.auditLog, "audit log file (default in the data folder)")
}

// storageRoot is the local storage root: --storage, or a folder under the
// XDG data dir (a separate one for the demo store).
func (o options) storageRoot(getenv env) (string, error) {
	if o.storage != "" {
		return o.storage, nil
	}
	base := getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --storage given and no home folder: %w", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	if o.demo {
		return filepath.Join(base, "coop", "demo"), nil
	}
	return filepath.Join(base, "coop", "store"), nil
}

// parse parses flags anywhere among args (`coop ls x --json` as well as
// `coop --json ls x`) and returns the positional arguments in order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{strings.TrimSpace(err.Error())}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
