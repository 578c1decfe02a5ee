package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/store"
)

func (a *app) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database, even while the daemon runs",
		Long: `Backup writes a consistent copy of the database to FILE, which must not
exist. While the daemon runs, the copy streams through its socket from one
read transaction, so polling goes on; otherwise the file is opened
read-only. The copy is written to FILE.partial, synced, checked by opening
it, then renamed to FILE, so FILE is never a half-written database.
Restore by stopping the daemon and moving FILE over the database.`,
		Example: "  wirewatch backup /var/backups/wirewatch-$(date +%F).db",
		Args:    positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, via, err := a.backup(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %d bytes (%s)\n", args[0], n, via)
			return nil
		},
	}
}

// backup writes the copy and says which path it took.
func (a *app) backup(ctx context.Context, dst string) (int64, string, error) {
	if _, err := os.Lstat(dst); err == nil {
		return 0, "", fmt.Errorf("%s already exists: choose a new file name", dst)
	}
	var write func(io.Writer) (int64, error)
	via := "through the daemon"
	c, err := a.dialDaemon()
	switch {
	case err == nil:
		defer c.Close()
		write = func(w io.Writer) (int64, error) { return c.Backup(ctx, w) }
	case errors.Is(err, errNoDaemon):
		st, err := a.openStore(true)
		if err != nil {
			return 0, "", a.explainLocked(err)
		}
		defer st.Close()
		via = "from the database file"
		write = func(w io.Writer) (int64, error) { return st.WriteSnapshot(ctx, w, nil) }
	default:
		return 0, "", err
	}
	n, err := writeBackupFile(dst, write)
	return n, via, err
}

// writeBackupFile writes to dst.partial, syncs, verifies that the copy
// opens as a wirewatch database, and renames it to dst.
func writeBackupFile(dst string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp := dst + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = verifyBackup(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync() // make the rename durable; not all file systems support it
		d.Close()
	}
	return n, nil
}

func verifyBackup(path string) error {
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	return st.Close()
}
