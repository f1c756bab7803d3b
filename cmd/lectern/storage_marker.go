package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"lectern"
)

// storageMarker is the file, in MEDIA_ROOT and in DEFAULT_RECORDER_PATH,
// that holds the installation's id (lectern.NodeService.InstallID). Its
// leading dot hides it from the watcher and the deposit listings.
const storageMarker = ".lectern-install-id"

// checkStorage makes sure this node's MEDIA_ROOT and DEFAULT_RECORDER_PATH
// are the storage every other node of the installation uses: each must
// hold the storage marker with the database's install id. The first start
// of an installation (the id just made) writes the markers, into folders
// empty or not (an installation older than the markers), but never over
// another installation's marker (a node pointed at a new, empty database
// by mistake). From then on a
// folder without the marker, or with another id, is refused, even empty:
// an empty folder is what a node sees when the shared storage is not
// mounted, and it would encode into a folder nobody serves. A missing
// folder is created only on that first start, never by a refused node.
func checkStorage(ctx context.Context, nodes lectern.NodeService, cfg *Config) error {
	id, created, err := nodes.InstallID(ctx)
	if err != nil {
		return err
	}
	// Every folder is checked before any is created or marked: a refused
	// node leaves no folder behind (on an unmounted mount point, say).
	var toMark []struct{ key, dir string }
	for _, d := range []struct{ key, dir string }{{"MEDIA_ROOT", cfg.MediaRoot}, {"DEFAULT_RECORDER_PATH", cfg.DefaultRecorderPath}} {
		path := filepath.Join(d.dir, storageMarker)
		data, err := os.ReadFile(path)
		marked := strings.TrimSpace(string(data))
		if created && errors.Is(err, os.ErrNotExist) {
			toMark = append(toMark, d)
			continue
		}
		switch {
		case created && err == nil && marked != id:
			// A new database on an installation's storage: never
			// overwrite its marker, which the other nodes check.
			return usageError{fmt.Errorf("%s %s belongs to the installation %q, but the database at %s is new: "+
				"check DATABASE_URL. To give this storage to the new database, remove %s",
				d.key, d.dir, marked, cfg.databaseName(), path)}
		case errors.Is(err, os.ErrNotExist):
			return usageError{fmt.Errorf("%s %s is not this installation's storage: it has no marker %s. "+
				"Check that the shared storage is mounted there, as on the other nodes (the database at %s expects it). "+
				"If this folder is meant as the new storage (moved or restored), copy the marker from the old one, "+
				"or write the id: echo %s > %s", d.key, d.dir, storageMarker, cfg.databaseName(), id, path)}
		case err != nil:
			return fmt.Errorf("read the storage marker of %s: %w", d.key, err)
		case marked != id:
			return usageError{fmt.Errorf("%s %s belongs to another installation: its marker %s holds %q, "+
				"the database at %s expects %q. Check the mount (and DATABASE_URL): every node must share one database and one storage",
				d.key, d.dir, storageMarker, marked, cfg.databaseName(), id)}
		}
	}
	for _, d := range toMark {
		if err := os.MkdirAll(d.dir, 0o750); err != nil {
			return fmt.Errorf("create %s %s: %w", d.key, d.dir, err)
		}
		if err := writeMarker(filepath.Join(d.dir, storageMarker), id); err != nil {
			return fmt.Errorf("write the storage marker of %s: %w", d.key, err)
		}
	}
	return nil
}

// writeMarker writes id to path through a temporary file, so that a
// crash never leaves a half-written marker.
func writeMarker(path, id string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// databaseName names the database for a message, without its password.
func (c *Config) databaseName() string { return maskURL(c.DatabaseURL) }
