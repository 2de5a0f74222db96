package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"
)

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

// register adds the shared flags to fs, keeping values already parsed (the
// environment's); each says its environment twin.
func (o *options) register(fs *pflag.FlagSet) {
	fs.BoolVar(&o.demo, "demo", o.demo, "use (and create if needed) the demo store [COOP_DEMO]")
	fs.StringVar(&o.backend, "backend", o.backend, "store backend: local or aws [COOP_BACKEND]")
	fs.StringVar(&o.storage, "storage", o.storage, "local storage root (default $XDG_DATA_HOME/coop/store) [COOP_STORAGE]")
	fs.StringVar(&o.bucket, "bucket", o.bucket, "S3 bucket (aws backend) [COOP_BUCKET]")
	fs.StringVar(&o.region, "region", o.region, "the AWS region [COOP_REGION]")
	fs.StringVar(&o.profile, "profile", o.profile, "the AWS shared-config profile [COOP_PROFILE]")
	fs.StringVar(&o.endpointURL, "endpoint-url", o.endpointURL, "S3 endpoint URL [COOP_ENDPOINT_URL]")
	fs.StringVar(&o.dynamoEndpoint, "dynamodb-endpoint", o.dynamoEndpoint, "the DynamoDB endpoint URL [COOP_DYNAMODB_ENDPOINT]")
	fs.BoolVar(&o.pathStyle, "path-style", o.pathStyle, "use path-style S3 addressing [COOP_PATH_STYLE]")
	fs.StringVar(&o.accountsTable, "accounts-table", o.accountsTable, "the DynamoDB accounts table [COOP_ACCOUNTS_TABLE]")
	fs.StringVar(&o.repositoriesTable, "repositories-table", o.repositoriesTable, "the DynamoDB repositories table [COOP_REPOSITORIES_TABLE]")
	fs.StringVar(&o.sse, "sse", o.sse, "S3 server-side encryption: AES256 or aws:kms [COOP_SSE]")
	fs.StringVar(&o.as, "as", o.as, "act as this account (or anonymous) instead of the machine's owner [COOP_AS]")
	fs.StringVar(&o.auditLog, "audit-log", o.auditLog, "audit log file (default .coop/audit.log in the storage root) [COOP_AUDIT_LOG]")
	fs.StringVar(&o.theme, "theme", o.theme, "browser colour theme: auto, dark, light or high-contrast [COOP_THEME]")
	fs.StringVar(&o.config, "config", o.config, "config file (default $XDG_CONFIG_HOME/coop/config.toml) [COOP_CONFIG]")
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
