// Command coop is a terminal browser for a Source Cooperative–style data
// platform. This package holds only flags, subcommands and wiring.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// Set by the linker at release time (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// app is one invocation: its streams and environment, so tests can run
// commands in-process.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv env
	opts   options
	// isTerminal reports whether stdout is a terminal (the browser needs one).
	isTerminal func() bool
	// isStdinTerminal, if set, reports whether stdin is a terminal a
	// person answers questions on (tests set it; else stdin is checked).
	isStdinTerminal func() bool
}

// run executes one command line and returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage error.
func run(ctx context.Context, args []string, a *app) int {
	err := a.dispatch(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		fmt.Fprint(a.stdout, usageText)
		return 0
	}
	fmt.Fprintf(a.stderr, "coop: %s\n", safe.Text(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, backend.ErrInvalid) {
		return 2
	}
	return 1
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	a.opts = defaultOptions(a.getenv)
	root := flag.NewFlagSet("coop", flag.ContinueOnError)
	root.SetOutput(io.Discard)
	a.opts.register(root)
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usagef("%v (see coop --help)", err)
	}
	rest := root.Args()
	if len(rest) == 0 {
		return a.browse(ctx)
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "init":
		return a.cmdInit(ctx, rest)
	case "account":
		return a.cmdAccount(ctx, rest)
	case "repo":
		return a.cmdRepo(ctx, rest)
	case "ls":
		return a.cmdLs(ctx, rest)
	case "stat":
		return a.cmdStat(ctx, rest)
	case "cat":
		return a.cmdCat(ctx, rest)
	case "upload":
		return a.cmdUpload(ctx, rest)
	case "download":
		return a.cmdDownload(ctx, rest)
	case "rm":
		return a.cmdRm(ctx, rest)
	case "serve":
		return a.cmdServe(ctx, rest)
	case "migrate":
		return a.cmdMigrate(ctx, rest)
	case "version":
		_, err := fmt.Fprintf(a.stdout, "coop %s (commit %s, built %s)\n", version, commit, date)
		return err
	case "help":
		return errHelp
	}
	return usagef("unknown command %q (see coop --help)", cmd)
}

// flags makes a flag set for a subcommand that also takes the shared flags.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	a.opts.register(fs)
	return fs
}

const usageText = `coop — browse and manage a Source Cooperative–style data store

Usage:
  coop [--demo] [flags]                     open the browser
  coop init                                 create the store layout / tables if missing
  coop account create ID --type user|organization [--name N] [--email E]
  coop account add-key ID "ssh-ed25519 AAAA..."
  coop account keys ID                      list an account's SSH keys
  coop account remove-key ID SHA256:FINGERPRINT|"ssh-ed25519 AAAA..."
  coop account add-member ORG ID owner|maintainer|write|read
  coop account remove-member ORG ID
  coop repo create ACCOUNT/REPO [--title T] [--description D] [--visibility public|private]
  coop repo repair ACCOUNT/REPO [--dry-run] [--verify] [--rebuild] [--json] [--workers N]
                                            make .source-metadata.json match the objects: add missing
                                            entries, drop stale ones, fix sizes (--verify: checksums too;
                                            --rebuild: replace an unreadable file, keeping it as
                                            .source-metadata.corrupt-STAMP.json)
  coop ls [ACCOUNT[/REPO[/PATH]]] [--json]  list accounts, repositories or a folder
  coop stat ACCOUNT/REPO/PATH [--json]      show an object's metadata entry and what is inside it
  coop cat ACCOUNT/REPO/PATH [--range START-END]
                                            write an object (or bytes START to END) to stdout
  coop upload LOCAL... ACCOUNT/REPO[/PATH]  upload files and folders (a folder as PATH/NAME/…;
                                            "DIR/" puts DIR's contents straight into PATH)
  coop download ACCOUNT/REPO[/PATH] LOCAL   download a file or a folder (into LOCAL if it is a folder)
  coop rm [-r [--all]] ACCOUNT/REPO/PATH... delete objects; -r deletes folders and all they hold
                                            (ACCOUNT/REPO itself only with -r --all)
  coop serve [--listen ADDR] [--host-key PATH] [--anonymous read|none]
             [--max-sessions N] [--idle-timeout D] [--max-session D] [--rate R] [--burst N]
                                            serve the browser, sftp and scp over SSH
  coop migrate [ACCOUNT[/REPO]...] --to-backend local|aws [--to-storage DIR | --to-bucket B ...]
              [--dry-run] [--verify] [--overwrite | --skip-existing] [--workers N] [--json]
                                            copy accounts, repositories, objects and metadata to
                                            another store (each store flag has a --to- twin and a
                                            COOP_TO_ variable); safe to run again
  coop version

Store flags (each also read from the environment, e.g. COOP_STORAGE):
  --demo                 use the demo store (created on first use)
  --backend local|aws    default local
  --storage DIR          local storage root (default $XDG_DATA_HOME/coop/store)
  --bucket B --region R --profile P --endpoint-url URL --dynamodb-endpoint URL
  --path-style --accounts-table T --repositories-table T --sse AES256|aws:kms

Access flags:
  --as ACCOUNT|anonymous act as this account (default: the machine's owner, who may do anything)
  --audit-log PATH       where writes are recorded (default: .coop/audit.log in the storage root)

Transfer flags (upload, download, rm):
  --workers N            files moved at once (default 64; large files also move parts in parallel)
  --overwrite            replace files that exist (by default such a file fails, nothing is replaced)
  --skip-existing        leave files that exist and skip them
  --yes                  rm -r: do not ask first (on a terminal it asks, with the count and
                         size; otherwise a recursive delete needs --yes)
  Progress goes to stderr (a bar on a terminal), one line per finished job and a summary to
  stdout; the exit code is 1 if any file failed.

Browser flags:
  --theme auto|dark|light|high-contrast   --config FILE

Exit codes: 0 ok, 1 failure, 2 usage error.
`
