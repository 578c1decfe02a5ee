// Command wirewatch follows one news story across many outlets: it polls
// feeds, keeps the items a topic's rules match, collapses wire copies into
// stories, stores them in bbolt and sends digests. Run `wirewatch help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and something failed
	exitUsage   = 2 // bad flags, arguments or config
)

// usageError marks errors in how wirewatch was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// silentError carries an exit status for a failure the command already
// reported in its own output (e.g. ingest's per-file lines).
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode maps an error from run to a message on stderr and an exit code.
// It is the only place that decides either.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	var ce *ConfigError
	var se silentError
	var le *lockedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "wirewatch: %v\n", err)
		return exitFailure
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "wirewatch: %v\nRun 'wirewatch help' for usage.\n", err)
		return exitUsage
	case errors.As(err, &le):
		fmt.Fprintf(stderr, "wirewatch: %v\n", err)
		return exitFailure
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "wirewatch: %v\nIs the daemon running? Stop it, or use a command that talks to it.\n", err)
		return exitFailure
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintf(stderr, "wirewatch: %v\n", err)
		return exitFailure
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "wirewatch: interrupted")
		return exitFailure
	default:
		fmt.Fprintf(stderr, "wirewatch: %v\n", err)
		return exitFailure
	}
}

// app carries what every subcommand shares: the injected streams, the
// global flags, and the config and logger built from them on demand.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	configPath string
	dbPath     string
	logLevel   string
	logFormat  string

	cfg *Config
	log *slog.Logger
	now func() time.Time
}

// run is main without the exit: tests call it with their own args and
// writers. It returns the error to map to an exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wirewatch",
		Short: "Follow one news story across many outlets",
		Long: `wirewatch polls news feeds, keeps the items relevant to your topics,
collapses wire copies into stories, stores them in a bbolt file and
sends digests.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (default ./config.toml, then /etc/wirewatch/config.toml)")
	pf.StringVar(&a.dbPath, "db", "", "database file (overrides [store] path)")
	pf.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn, error (overrides [log] level)")
	pf.StringVar(&a.logFormat, "log-format", "", "log format: text or json (overrides [log] format)")
	root.AddCommand(
		a.backupCmd(),
		a.checkCmd(),
		a.ingestCmd(),
		a.itemsCmd(),
		a.showCmd(),
		a.storiesCmd(),
		a.explainCmd(),
		a.versionCmd(),
		a.digestCmd(),
		a.learnCmd(),
		a.evalCmd(),
		a.rescoreCmd(),
		a.runCmd(),
		a.pollCmd(),
		a.feedsCmd(),
	)
	return root
}

// positional wraps cobra's argument validators so their errors are usage errors.
func positional(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
