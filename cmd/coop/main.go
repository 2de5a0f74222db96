// Command coop is a terminal browser for a Source Cooperative–style data
// platform. This package holds only flags, subcommands and wiring.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/internal/safe"
)

// Set by the linker at release time (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: hideCABundle()}
	a.gc = delayFirstGC(a.getenv)
	os.Exit(a.start(os.Args[1:], notifyInterrupts))
}

// start runs the command line args as the process does: the command's
// connections are dialed first, and only then is interrupts asked for
// the context an interrupt cancels. Setting up the signal handlers waits
// twice on another thread (os/signal has the runtime update a thread's
// signal mask for each signal, and waits until it has): under load that
// thread can wait milliseconds for a CPU, during which the dial (the
// longest wait of a command at a distance) now goes on.
func (a *app) start(args []string, interrupts func() context.Context) int {
	early := a.preDialEarly(args)
	return a.runDialed(interrupts(), args, early)
}

// notifyInterrupts is a context that an interrupt (^C) or SIGTERM
// cancels. The handlers are never stopped: the process exits as the
// command returns, and stopping them would wait on that thread twice more.
func notifyInterrupts() context.Context {
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return ctx
}

// hideCABundle takes AWS_CA_BUNDLE out of the process environment and
// returns the environment as coop reads it, the bundle still in it. The
// AWS SDK reads and parses the whole bundle a variable names as each
// command starts (about 10 ms for a system bundle), TLS or not; coop's
// AWS store takes the file as aws.Config.CABundle and reads it at its
// first TLS handshake instead.
func hideCABundle() env {
	bundle := os.Getenv("AWS_CA_BUNDLE")
	_ = os.Unsetenv("AWS_CA_BUNDLE")
	return func(k string) string {
		if k == "AWS_CA_BUNDLE" {
			return bundle
		}
		return os.Getenv(k)
	}
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
	// completing is set while the shell asks for completions: the store is
	// only read (the demo store is not filled).
	completing bool
	// dial is how many connections an AWS store opens to each endpoint
	// as it starts: as many as the command's first requests at once
	// (commandDial).
	dial aws.PreDial
	// early holds the connections preDialEarly started, until the
	// store's Open takes them.
	early *aws.PreDialer
	// gc sets the collector's pacing (nil: at once; see delayFirstGC).
	gc *gcPacing
}

// run executes one command line and returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage error.
func run(ctx context.Context, args []string, a *app) int {
	return a.runDialed(ctx, args, a.preDialEarly(args))
}

// runDialed is run with the connections preDialEarly started for args
// (nil if none).
func (a *app) runDialed(ctx context.Context, args []string, early *aws.PreDialer) int {
	a.early = early
	err := a.execute(ctx, args)
	a.early.Close() // unless the store took them (then it closed them)
	if err != nil {
		fmt.Fprintf(a.stderr, "coop: %s\n", safe.Text(err.Error()))
	}
	return exitCode(err)
}
