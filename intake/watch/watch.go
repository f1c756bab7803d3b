// Package watch finds the deposits that recorders write into
// DEFAULT_RECORDER_PATH by any means other than Lectern's own servers: an
// existing vsftpd or proftpd, SFTP, a copy by hand.
//
// A Watcher runs inside `lectern serve`. It watches the tree with
// fsnotify (inotify on Linux), adding each new sub-directory as it
// appears, and rescans the whole tree at start and every ScanInterval as
// a safety net (events lost to a queue overflow, a file written while
// Lectern was stopped). A file counts as complete when its size and
// modification time have not changed for Quiescence; it then goes to
// Intake.Complete, detected by "watch" (or "rescan" when the periodic
// scan found it), which creates its one treatment.
//
// CheckDirectory is one pass of Pod's cron command for
// `lectern recorder checkDirectory`: a file is complete when two passes
// saw the same size and modification time.
//
// Names are the Intake's business (Intake.Complete): a new file at the
// path of a published deposit is renamed to a name of its own and becomes
// a new deposit, and a waiting deposit renamed or moved keeps its
// treatment. So the watcher looks again at any file that appears at a
// known path (a Create event), and tells the Intake at once of a deposit
// deleted (a Remove event).
//
// Neither ever follows a symbolic link (a link to a directory outside
// DEFAULT_RECORDER_PATH is not a way out), and neither completes a file
// held by Lectern's FTP server, which completes it itself when its upload
// ends.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"lectern"
)

// Config is the watcher's part of the configuration.
type Config struct {
	Root         string        // DEFAULT_RECORDER_PATH; the Intake's Root when empty
	ScanInterval time.Duration // RECORDER_SCAN_INTERVAL; 60s when zero
	Quiescence   time.Duration // RECORDER_QUIESCENCE; 10s when zero
}

// Deps are the services the watcher and CheckDirectory use.
type Deps struct {
	Intake     *lectern.Intake          // required: every deposit ends in Intake.Complete
	Treatments lectern.TreatmentService // the Intake's when nil
	Sightings  lectern.SightingService  // the Intake's when nil
	Logger     *slog.Logger             // discards when nil
}

func (d Deps) withDefaults() (Deps, error) {
	if d.Intake == nil {
		return d, errors.New("watch: no Intake")
	}
	if d.Treatments == nil {
		d.Treatments = d.Intake.Treatments
	}
	if d.Treatments == nil {
		return d, errors.New("watch: no treatment service")
	}
	if d.Sightings == nil {
		d.Sightings = d.Intake.Sightings
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d, nil
}

// Watcher watches DEFAULT_RECORDER_PATH for deposits. Create it with New,
// run it with Start, end it with Stop; it may be started again after
// Stop.
type Watcher struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	life   sync.Mutex // serializes Start and Stop
	cancel context.CancelFunc
	fsw    *fsnotify.Watcher
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[string]*entry   // files not yet complete, by path
	treated map[string]struct{} // files with a treatment: TreatedFiles at the last rescan, plus what the watcher completed since
	recent  map[string]struct{} // completed while a rescan loads TreatedFiles; nil when none does
	rescanC chan struct{}       // asks for a rescan now (events were lost)

	// rescannedFunc, when set, is called after each rescan (tests).
	rescannedFunc func()
}

// New returns a watcher of cfg.Root that hands complete files to
// deps.Intake.
func New(cfg Config, deps Deps) *Watcher {
	if cfg.ScanInterval <= 0 {
		cfg.ScanInterval = 60 * time.Second
	}
	if cfg.Quiescence <= 0 {
		cfg.Quiescence = 10 * time.Second
	}
	if cfg.Root == "" && deps.Intake != nil {
		cfg.Root = deps.Intake.Root
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{cfg: cfg, deps: deps, log: log}
}

// Start watches the tree and runs the first rescan before it returns, so
// that every file already there is pending and every file written after
// it is seen. The watching goes on until Stop or the end of ctx. It
// fails when Root is not a readable directory or fsnotify cannot start
// (too many inotify instances).
func (w *Watcher) Start(ctx context.Context) error {
	w.life.Lock()
	defer w.life.Unlock()
	if w.cancel != nil {
		return errors.New("watch: already started")
	}
	deps, err := w.deps.withDefaults()
	if err != nil {
		return err
	}
	w.deps = deps
	root, err := filepath.Abs(w.cfg.Root)
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.cfg.Root, err)
	}
	w.cfg.Root = root
	if fi, err := os.Stat(root); err != nil {
		return fmt.Errorf("watch DEFAULT_RECORDER_PATH: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("watch DEFAULT_RECORDER_PATH: %s is not a directory", root)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch DEFAULT_RECORDER_PATH: %w", err)
	}
	w.mu.Lock()
	w.pending = map[string]*entry{}
	w.treated = map[string]struct{}{}
	w.rescanC = make(chan struct{}, 1)
	w.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	if err := w.rescan(runCtx, fsw); err != nil {
		cancel()
		fsw.Close()
		return err
	}
	w.cancel, w.fsw = cancel, fsw
	w.wg.Add(3)
	go w.watchEvents(runCtx, fsw)
	go w.checkLoop(runCtx)
	go w.rescanLoop(runCtx, fsw)
	w.log.Info("watching deposits", "root", root, "quiescence", w.cfg.Quiescence, "scan_interval", w.cfg.ScanInterval)
	return nil
}

// Stop ends the watching and waits for it; a deposit being completed is
// abandoned (the next start finds it again). Stop is idempotent.
func (w *Watcher) Stop() {
	w.life.Lock()
	defer w.life.Unlock()
	if w.cancel == nil {
		return
	}
	w.cancel()
	w.fsw.Close()
	w.wg.Wait()
	w.cancel, w.fsw = nil, nil
}

// watchEvents turns fsnotify events into pending files and watches new
// directories.
func (w *Watcher) watchEvents(ctx context.Context, fsw *fsnotify.Watcher) {
	defer w.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("watch: events lost, rescanning", "err", err)
				w.requestRescan()
			} else {
				w.log.Warn("watch", "err", err)
			}
		case ev, ok := <-fsw.Events:
			if !ok {
				return
			}
			w.handle(ctx, fsw, ev)
		}
	}
}

func (w *Watcher) handle(ctx context.Context, fsw *fsnotify.Watcher, ev fsnotify.Event) {
	now := time.Now()
	switch {
	case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
		// A renamed directory's watch goes with it; its new name comes
		// as a Create. Pending files under it vanish at the next check.
		// A renamed file's new name comes as a Create too: where it
		// lands in root, Intake.Complete moves its treatment there; where
		// it leaves root, the next rescan finds its treatment's file gone.
		w.mu.Lock()
		delete(w.pending, ev.Name)
		_, known := w.treated[ev.Name]
		w.mu.Unlock()
		// A deposit's name not yet marked treated is asked about too: its
		// Complete may have moved a treatment there an instant ago.
		if ev.Has(fsnotify.Remove) && (known ||
			lectern.ClassifyName(filepath.Base(ev.Name), w.deps.Intake.Extensions) == lectern.NameAccepted) {
			w.vanished(ctx, ev.Name)
		}
	case ev.Has(fsnotify.Create):
		fi, err := os.Lstat(ev.Name)
		if err != nil {
			return
		}
		if fi.IsDir() {
			w.addTree(ctx, fsw, ev.Name, now)
		} else if fi.Mode().IsRegular() {
			// A new file at a known path (a new upload after the old one
			// was published, or a file renamed onto it) is looked at
			// again: Intake.Complete tells whose it is.
			w.mu.Lock()
			delete(w.treated, ev.Name)
			w.mu.Unlock()
			w.touch(ev.Name, now)
		}
	case ev.Has(fsnotify.Write) || ev.Has(fsnotify.Chmod):
		// Chmod is also a touch (a new modification time). A directory's
		// own events end as a failed check.
		w.touch(ev.Name, now)
	}
}

// vanished tells the Intake that a deposit's file was deleted, so that a
// waiting deposit's treatment says so at once.
func (w *Watcher) vanished(ctx context.Context, path string) {
	t, err := w.deps.Intake.Vanished(ctx, path, "The file was deleted before it was published")
	if err != nil {
		w.log.Error("record deleted deposit", "file", path, "err", err)
		return
	}
	if t != nil {
		w.mu.Lock()
		delete(w.treated, path)
		w.mu.Unlock()
	}
}

// addTree watches a directory that just appeared and everything in it:
// what was written before its watch was added sent no event.
func (w *Watcher) addTree(ctx context.Context, fsw *fsnotify.Watcher, dir string, now time.Time) {
	if filepath.Base(dir)[0] == '.' {
		return
	}
	err := walk(ctx, dir, w.log, func(d string) {
		if err := fsw.Add(d); err != nil {
			w.log.Warn("watch directory", "dir", d, "err", err)
		}
	}, func(path string, _ os.DirEntry) { w.touch(path, now) })
	if err != nil && ctx.Err() == nil {
		w.log.Debug("watch new directory", "dir", dir, "err", err)
	}
}

// track reports whether a file name may be a deposit at all: temporary,
// hidden and "_treated" names never are.
func (w *Watcher) track(path string) bool {
	switch lectern.ClassifyName(filepath.Base(path), w.deps.Intake.Extensions) {
	case lectern.NameTemporary, lectern.NameTreated:
		return false
	}
	return true
}

// touch records that path changed at now (an event).
func (w *Watcher) touch(path string, now time.Time) {
	if !w.track(path) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.treated[path]; ok {
		return
	}
	e := w.pending[path]
	if e == nil {
		e = &entry{firstSeen: now, source: lectern.SourceWatch}
		w.pending[path] = e
	}
	e.changed = now
}

// notice records a file that a rescan found, unless it is known.
func (w *Watcher) notice(path string, fi os.FileInfo, now time.Time) {
	if !w.track(path) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.treated[path]; ok {
		return
	}
	if _, ok := w.pending[path]; ok {
		return
	}
	w.pending[path] = &entry{size: fi.Size(), mod: fi.ModTime(), changed: now, checked: now,
		firstSeen: now, source: lectern.SourceRescan}
}

func (w *Watcher) requestRescan() {
	select {
	case w.rescanC <- struct{}{}:
	default:
	}
}

func (w *Watcher) rescanLoop(ctx context.Context, fsw *fsnotify.Watcher) {
	defer w.wg.Done()
	t := time.NewTicker(w.cfg.ScanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.rescanC:
		}
		if err := w.rescan(ctx, fsw); err != nil && ctx.Err() == nil {
			w.log.Error("rescan", "err", err)
		}
	}
}

// rescan reloads the treated files, walks the whole tree, watches every
// directory not yet watched, makes every unknown file pending and checks
// the files of unpublished treatments (checkTreated).
func (w *Watcher) rescan(ctx context.Context, fsw *fsnotify.Watcher) error {
	start := time.Now()
	w.mu.Lock()
	w.recent = map[string]struct{}{}
	w.mu.Unlock()
	treated, err := w.deps.Treatments.TreatedFiles(ctx)
	w.mu.Lock()
	if err == nil {
		for p := range w.recent {
			treated[p] = struct{}{}
		}
		w.treated = treated
	}
	w.recent = nil
	w.mu.Unlock()
	if err != nil {
		return err
	}

	watched := map[string]bool{}
	for _, d := range fsw.WatchList() {
		watched[d] = true
	}
	files, added := 0, 0
	err = walk(ctx, w.cfg.Root, w.log, func(dir string) {
		if watched[dir] {
			return
		}
		if err := fsw.Add(dir); err != nil {
			w.log.Warn("watch directory", "dir", dir, "err", err)
			return
		}
		added++
	}, func(path string, d os.DirEntry) {
		files++
		if fi, err := d.Info(); err == nil {
			w.notice(path, fi, start)
		}
	})
	if err != nil {
		return err
	}
	c, err := checkTreated(ctx, w.deps.Treatments, w.cfg.Quiescence, w.log)
	if err != nil {
		return err
	}
	w.mu.Lock()
	pending := len(w.pending)
	w.mu.Unlock()
	w.log.Debug("rescan", "files", files, "pending", pending, "new_watches", added,
		"missing", c.Missing, "resized", c.Resized, "took", time.Since(start).Round(time.Millisecond))
	if w.rescannedFunc != nil {
		w.rescannedFunc()
	}
	return nil
}
