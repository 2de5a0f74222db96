package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"charm.land/fang/v2"
	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/coopterm/coop/backend"
)

// usageError marks a mistake in how coop was called; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// execute runs one command line through the command tree (styled by fang)
// and returns the error to report, if any.
func (a *app) execute(ctx context.Context, args []string) error {
	a.opts = defaultOptions(a.getenv)
	root := a.rootCommand()
	if mayShowHelp(args) {
		finishDescriptions(root)
	}
	var failed error
	keepErrors(root, &failed)
	root.SetArgs(args)
	err := fang.Execute(ctx, root,
		fang.WithVersion(versionString()),
		fang.WithoutManpage(), // our own `coop man` writes to the command's stdout
		fang.WithErrorHandler(func(_ io.Writer, _ fang.Styles, _ error) {}),
	)
	return cmp.Or(failed, err)
}

// keepErrors hands a command line's error to execute without returning it
// through fang: before calling its error handler, even a silent one, fang
// asks the terminal for its background colour (an OSC 11 query on stdin
// and on stdout, each answered or timed out after 2 s: a failing `coop
// stat` took 4 s under script(1), whose terminal does not answer, and a
// round trip to the terminal elsewhere — over SSH, the network's). Bad
// flags and bad arguments record a usage error and the command does not
// run; a command's own error is recorded as it is.
func keepErrors(root *cobra.Command, failed *error) {
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		*failed = usagef("%v (see %s --help)", err, c.CommandPath())
		return nil // cobra stops here: the command does not run
	})
	forEachCommand(root, func(c *cobra.Command) {
		run := c.RunE
		if run == nil {
			return // cobra's help: its errors still go through fang
		}
		if check := c.Args; check != nil {
			c.Args = func(c *cobra.Command, args []string) error {
				*failed = check(c, args)
				return nil
			}
		}
		c.RunE = func(c *cobra.Command, args []string) error {
			if *failed == nil { // else its arguments were refused
				*failed = run(c, args)
			}
			return nil
		}
	})
}

// versionString is what `coop version` and `coop --version` print after "coop ".
func versionString() string {
	return fmt.Sprintf("%s (commit %s, built %s)", version, commit, date)
}

const rootLong = `coop browses and manages a Source Cooperative–style data store: accounts,
their repositories, and the objects in them, on the local disk or on AWS (S3
+ DynamoDB).

With no command it opens the browser; given ACCOUNT, ACCOUNT/REPO or
ACCOUNT/REPO/PATH it opens the browser there.

Each store, access and browser flag also reads the environment: --storage
from COOP_STORAGE, --path-style from COOP_PATH_STYLE, and so on (the flag
wins).

Exit codes: 0 ok, 1 failure, 2 usage error.`

// rootCommand builds the whole command tree for one invocation.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "coop [ACCOUNT[/REPO[/PATH]]]",
		Short: "Browse and manage a Source Cooperative–style data store",
		Long:  rootLong,
		Example: `# the demo store, made on first use
coop --demo
# open the browser in a repository's folder
coop earth-lab/landsat-scenes/2024
# list, download, upload
coop ls -l earth-lab/landsat-scenes
coop download earth-lab/landsat-scenes/2024/ ./scenes
coop upload ./notes.md earth-lab/landsat-scenes/docs/`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: a.completeStore(completeAll, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.browseAt(cmd.Context(), cmd, args)
		},
	}
	// Set before the completion command is made: it keeps the writer.
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.PersistentFlags().SortFlags = false
	root.Flags().SortFlags = false
	a.opts.register(root.PersistentFlags())
	root.AddCommand(
		a.initCommand(),
		a.accountCommand(),
		a.repoCommand(),
		a.lsCommand(),
		a.statCommand(),
		a.catCommand(),
		a.uploadCommand(),
		a.downloadCommand(),
		a.rmCommand(),
		a.serveCommand(),
		a.migrateCommand(),
		a.versionCommand(),
		a.manCommand(),
	)
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("coop {{.Version}}\n")
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	forEachCommand(root, func(c *cobra.Command) {
		c.Flags().SortFlags = false
		if c.HasSubCommands() && !c.Runnable() {
			needSubcommand(c)
		}
		if c != root {
			c.SetHelpFunc(ownFlagsHelp)
		}
		// Cobra's own argument checks (help, completion) are usage errors too.
		if check := c.Args; check != nil {
			c.Args = func(c *cobra.Command, args []string) error {
				if err := check(c, args); err != nil {
					return usageError{err.Error()}
				}
				return nil
			}
		}
	})
	return root
}

// mayShowHelp reports whether a command line may show a command's
// description: a help flag or command, or the manual page. (-h among
// other short flags may be ls's human sizes: describing them anyway
// costs only time.)
func mayShowHelp(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "help", a == "man", strings.HasPrefix(a, "--help"),
			len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a, 'h'):
			return true
		}
	}
	return false
}

// finishDescriptions readies each command's description for help and the
// manual page: paragraphs joined (help and man wrap them to their own
// widths) and the shared flags' note added. Only a command line that may
// show one does this: it was half of what building the command tree
// costs (BenchmarkRootCommand: 116 KB in 754 allocations without it, 63 KB
// in 493 with), which every other command, a `coop stat` too, would pay.
func finishDescriptions(root *cobra.Command) {
	forEachCommand(root, func(c *cobra.Command) {
		if c != root {
			c.Long = cmp.Or(c.Long, c.Short) + "\n\n" + globalNote
		}
		c.Long = unwrap(c.Long)
	})
}

// globalNote ends each command's description in its help, which lists
// only the command's own flags.
const globalNote = "The store, access and browser flags (--demo, --storage, --backend, --as…) apply as well: see coop --help."

// ownFlagsHelp is a command's help without the flags every command
// shares: they are listed once, in coop --help. It hides them while the
// root's (fang's) help draws.
func ownFlagsHelp(c *cobra.Command, args []string) {
	shared := c.Root().PersistentFlags()
	shared.VisitAll(func(f *pflag.Flag) { f.Hidden = true })
	defer shared.VisitAll(func(f *pflag.Flag) { f.Hidden = false })
	c.Root().HelpFunc()(c, args)
}

// unwrap joins the lines of each paragraph of s: descriptions are wrapped
// in the source, and help and man wrap them to their own widths.
func unwrap(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// forEachCommand calls fn on c and every command below it.
func forEachCommand(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, fn)
	}
}

// browseAt opens the browser, at ACCOUNT[/REPO[/PATH]] if one is given. A
// single word that names no account is taken for a mistyped command.
func (a *app) browseAt(ctx context.Context, cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return a.browse(ctx, "")
	case 1:
	default:
		return usagef("unknown command %q (see coop --help)", args[0])
	}
	arg := args[0]
	t, err := parseTarget(arg)
	if !strings.Contains(arg, "/") && (err != nil || !a.accountExists(ctx, t.account)) {
		msg := fmt.Sprintf("unknown command %q", arg)
		if s := cmd.SuggestionsFor(arg); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
		}
		return usageError{msg + " (see coop --help)"}
	}
	if err != nil {
		return err
	}
	start := t.account
	if t.repo != "" {
		start = backend.JoinPath(t.account, backend.JoinPath(t.repo, t.path))
	}
	return a.browse(ctx, start)
}

// accountExists reports whether the store has the account; a store that
// cannot be opened has none.
func (a *app) accountExists(ctx context.Context, id string) bool {
	store, err := a.openStore(ctx, false)
	if err != nil {
		return false
	}
	defer store.Close()
	_, err = store.FindAccount(ctx, id)
	return err == nil
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print coop's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "coop %s\n", versionString())
			return err
		},
	}
}

func (a *app) manCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "Print coop's manual page (roff): coop man > coop.1; man ./coop.1",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A fresh tree: in the running one each command's flag set has
			// the shared flags merged in, which would list them under every
			// command; here they are listed once, as the root's.
			root := a.rootCommand()
			finishDescriptions(root)
			page, err := mcobra.NewManPage(1, root)
			if err != nil {
				return err
			}
			page = page.WithSection("Exit codes", "0 ok, 1 failure, 2 usage error.")
			_, err = fmt.Fprint(cmd.OutOrStdout(), page.Build(roff.NewDocument()))
			return err
		},
	}
}

// exitCode maps an error to the process exit code: 0 ok, 1 runtime
// failure, 2 usage error.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) || errors.Is(err, backend.ErrInvalid):
		return 2
	}
	return 1
}

// leaf makes a command that runs fn with its positional arguments.
func leaf(use, short, long string, fn func(ctx context.Context, pos []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		RunE: func(cmd *cobra.Command, args []string) error {
			return fn(cmd.Context(), args)
		},
	}
}

// flagsOf is the command's own flag set, in the order flags are added.
func flagsOf(cmd *cobra.Command) *pflag.FlagSet {
	fs := cmd.Flags()
	fs.SortFlags = false
	return fs
}
