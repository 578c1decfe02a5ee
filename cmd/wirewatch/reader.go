package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wirewatch/wirewatch/digest"
	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/store"
)

// reader is what the read commands need. *store.Store implements it when
// the database file can be opened; the daemon's socket client implements it
// while the daemon holds the file.
type reader interface {
	Items(ctx context.Context, q store.Query) ([]match.Item, error)
	Item(ctx context.Context, id string) (match.Item, error)
	FeedStates(ctx context.Context) ([]store.FeedState, error)
	Digests(ctx context.Context, q store.DigestQuery) ([]store.Digest, error)
	PreviewDigest(ctx context.Context, name string, since time.Time) (digest.Message, error)
	Stories(ctx context.Context, q store.StoryQuery) ([]store.Story, error)
	ExplainDup(ctx context.Context, id string) (store.DupExplanation, error)
}

// localReader is the direct path: the database file, plus what the daemon
// would compute from it (digest previews) done in this process.
type localReader struct {
	*store.Store
	a *app
}

// PreviewDigest renders digest name (from this process's config) without
// sending it.
func (l localReader) PreviewDigest(ctx context.Context, name string, since time.Time) (digest.Message, error) {
	cfg, err := l.a.config()
	if err != nil {
		return digest.Message{}, err
	}
	return previewDigest(ctx, cfg, l.Store, name, since, l.a.now, l.a.logger())
}

// previewDigest renders digest name of cfg over st; the CLI and the
// daemon's API both use it.
func previewDigest(ctx context.Context, cfg *Config, st *store.Store, name string, since time.Time, now func() time.Time, log *slog.Logger) (digest.Message, error) {
	d, err := cfg.digestDefinition(name, false)
	if err != nil {
		return digest.Message{}, err
	}
	p := digest.NewProcessor(st, itemStories{st}, digest.ProcessorOptions{Now: now, Logger: log})
	return p.Preview(ctx, d, since)
}

// openReader returns a reader and the function that releases it: the
// daemon's socket API when a daemon answers there, else the database file
// opened read-only (waiting up to lockWait for its lock). When the file is
// locked and no daemon answers, the error names the lock's holder and the
// socket.
func (a *app) openReader() (reader, func() error, error) {
	c, err := a.dialDaemon()
	if err == nil {
		return c, c.Close, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, nil, err
	}
	st, err := a.openStore(true)
	if err != nil {
		return nil, nil, a.explainLocked(err)
	}
	return localReader{st, a}, st.Close, nil
}

// itemWriter is what `rescore` needs: read items and write new scores.
// *store.Store and the daemon's socket client implement it.
type itemWriter interface {
	Items(ctx context.Context, q store.Query) ([]match.Item, error)
	UpdateScores(ctx context.Context, items []match.Item) error
}

// openItemWriter is openReader for commands that may write items: the
// daemon when it answers, else the database file (read-only unless write).
func (a *app) openItemWriter(write bool) (itemWriter, func() error, error) {
	c, err := a.dialDaemon()
	if err == nil {
		return c, c.Close, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, nil, err
	}
	st, err := a.openStore(!write)
	if err != nil {
		return nil, nil, a.explainLocked(err)
	}
	return st, st.Close, nil
}

// socketPath is the daemon's API socket for the database the command uses.
func (a *app) socketPath() (string, error) {
	db, err := a.storePath()
	if err != nil {
		return "", err
	}
	cfg, err := a.config()
	if err != nil {
		if a.dbPath == "" {
			return "", err
		}
		cfg = nil // --db alone works without a config
	}
	return cfg.SocketPath(db), nil
}

// dialDaemon connects to the daemon serving this command's database. The
// error wraps errNoDaemon when nothing answers on the socket.
func (a *app) dialDaemon() (*apiClient, error) {
	socket, err := a.socketPath()
	if err != nil {
		return nil, err
	}
	db, _ := a.storePath()
	ctx, cancel := context.WithTimeout(context.Background(), dialWait)
	defer cancel()
	return dialAPI(ctx, socket, db)
}

// lockedError is the CLI's answer when the database is locked and no
// daemon answers on its socket.
type lockedError struct {
	pid    int // 0 when the holder could not be found
	socket string
}

// Is makes a lockedError a store.ErrLocked for errors.Is.
func (e *lockedError) Is(target error) bool { return target == store.ErrLocked }

func (e *lockedError) Error() string {
	holder := "another process"
	if e.pid > 0 {
		holder = fmt.Sprintf("PID %d", e.pid)
	}
	return fmt.Sprintf("database locked by %s, socket not answering at %s\n"+
		"Is the daemon still starting, or wedged (systemctl status wirewatch)? Or does it use another [daemon] socket?", holder, e.socket)
}

// explainLocked turns store.ErrLocked into a lockedError naming the lock's
// holder (from /proc/locks) and the socket; other errors pass through.
func (a *app) explainLocked(err error) error {
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	db, _ := a.storePath()
	socket, serr := a.socketPath()
	if serr != nil {
		return err
	}
	pid, _ := lockHolder(db)
	return &lockedError{pid: pid, socket: socket}
}
