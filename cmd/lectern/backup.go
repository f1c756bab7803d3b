package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lectern/sqldb"
)

// A backup is a folder:
//
//	manifest.json        what the backup holds (backupManifest), written last
//	lectern.db           the SQLite database, copied by VACUUM INTO
//	data/                DATA_DIR's own state (SFTP host keys, the FTP
//	                     certificate, the SAML keys...), always copied
//	media/, recorders/   MEDIA_ROOT and DEFAULT_RECORDER_PATH: copied by
//	                     --with-media, else by the operator (rsync) from
//	media.files, recorders.files, the lists of their files (NUL-separated,
//	                     for rsync --from0 --files-from)
//
// The database is copied first, then the folders are listed: every file
// the copied database names was written before it, so it is listed (unless
// deleted since, with its video). Files written after the copy are listed
// too; a restored serve ignores them.

// backupDB is the database file's name in a backup.
const backupDB = "lectern.db"

// backupFolder is one folder of the installation a backup lists.
type backupFolder struct {
	name    string // its folder in the backup: data, media or recorders
	setting string // the setting naming it
	dir     string // the folder of this configuration
	media   bool   // copied only with --with-media (DATA_DIR's state always is)
}

// backupFolders are the folders of cfg, DATA_DIR's state first.
func backupFolders(cfg *Config) []backupFolder {
	return []backupFolder{
		{"data", "DATA_DIR", cfg.DataDir, false},
		{"media", "MEDIA_ROOT", cfg.MediaRoot, true},
		{"recorders", "DEFAULT_RECORDER_PATH", cfg.DefaultRecorderPath, true},
	}
}

// backupSkipped reports whether path, under DATA_DIR, is left out of a
// backup: the database (copied on its own) and its journals, the upload
// temporary folder, the thumbnail cache (made again when needed), the
// write checks of a starting serve, and other folders of the backup (MEDIA_ROOT
// inside DATA_DIR, the default) or the backup itself.
func backupSkipped(cfg *Config, others []string, path string) bool {
	if db, err := cfg.SQLitePath(); err == nil {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if path == db+suffix {
				return true
			}
		}
	}
	for _, dir := range append([]string{filepath.Join(cfg.DataDir, "uploads"), filepath.Join(cfg.DataDir, "thumbnails")}, others...) {
		if path == dir {
			return true
		}
	}
	return strings.HasPrefix(filepath.Base(path), ".write-check-")
}

func (a *app) backupCommand() *cobra.Command {
	var withMedia bool
	cmd := &cobra.Command{
		Use:   "backup DIR",
		Short: "Copy the database and list the media into a new backup folder, while serve runs",
		Long: `Make a backup in DIR, which must be empty or not exist: a consistent copy of
the SQLite database (VACUUM INTO, while "lectern serve" goes on writing),
checked with integrity_check; DATA_DIR's own state (SFTP host keys, FTP
certificate, SAML keys; not the upload temporary folder nor the thumbnail
cache); and DIR/manifest.json, which lists every file of DATA_DIR, MEDIA_ROOT
and DEFAULT_RECORDER_PATH with its size, modification time and SHA-256.

The media are copied into DIR/media and DIR/recorders with --with-media;
without it, copy them yourself (rsync) from the lists DIR/media.files and
DIR/recorders.files, as the README says. "lectern restore DIR" checks every
file against the manifest.

A PostgreSQL database is backed up with pg_dump, not by Lectern: the command
says which.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s takes the backup folder, got %q", cmd.CommandPath(), args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if cfg.Postgres() {
				return usageError{pgDumpAdvice(cfg.DatabaseURL)}
			}
			dir, err := filepath.Abs(args[0])
			if err != nil {
				return usageError{err}
			}
			return a.backup(cmd, cfg, dir, withMedia)
		},
	}
	cmd.Flags().BoolVar(&withMedia, "with-media", false, "copy MEDIA_ROOT and DEFAULT_RECORDER_PATH into the backup too")
	return cmd
}

// pgDumpAdvice is the refusal of a backup of a PostgreSQL database: the
// pg_dump and pg_restore commands for dbURL, its password left out.
func pgDumpAdvice(dbURL string) error {
	shown := maskURL(dbURL)
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		shown = u.String()
	}
	return fmt.Errorf("DATABASE_URL names a PostgreSQL database: back it up with pg_dump, which takes a consistent copy while serve runs:\n"+
		"  pg_dump --format=custom --file=lectern.pgdump --dbname='%s'\n"+
		"and restore it into an empty database with:\n"+
		"  pg_restore --no-owner --dbname='%s' lectern.pgdump\n"+
		"(the password is left out: give it in PGPASSWORD or ~/.pgpass). "+
		"Copy MEDIA_ROOT, DEFAULT_RECORDER_PATH and DATA_DIR with rsync, as the README's Backups section says", shown, shown)
}

// backup makes the backup of cfg in dir, removing what it made when it
// fails: a folder without manifest.json is never left as a backup.
func (a *app) backup(cmd *cobra.Command, cfg *Config, dir string, withMedia bool) (err error) {
	ctx := cmd.Context()
	if err := emptyDir(dir); err != nil {
		return usageError{fmt.Errorf("backup folder: %w", err)}
	}
	src, err := cfg.SQLitePath()
	if err != nil {
		return usageError{err}
	}
	if _, err := os.Stat(src); err != nil {
		return usageError{fmt.Errorf("no database to back up at %s: %w", src, err)}
	}
	created := false
	if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the backup folder: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		if created {
			os.RemoveAll(dir)
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}()

	start := time.Now()
	m := backupManifest{Format: manifestFormat, Version: buildVersion().Version, Created: start.UTC(),
		WithMedia: withMedia}
	dbCopy := filepath.Join(dir, backupDB)
	if err := sqldb.BackupFile(ctx, src, dbCopy); err != nil {
		return err
	}
	if err := os.Chmod(dbCopy, 0o600); err != nil {
		return err
	}
	version, err := sqldb.CheckFile(ctx, dbCopy)
	if err != nil {
		return err
	}
	f, err := hashFile(ctx, dbCopy, nil, "")
	if err != nil {
		return err
	}
	m.Database = manifestDatabase{Kind: "sqlite", File: backupDB, SchemaVersion: version, Size: f.Size, SHA256: f.SHA256}

	folders := backupFolders(cfg)
	var files, bytes int64
	for _, bf := range folders {
		var others []string
		for _, o := range folders {
			if o.dir != bf.dir {
				others = append(others, o.dir)
			}
		}
		others = append(others, dir)
		var copyTo string
		if withMedia || !bf.media {
			copyTo = filepath.Join(dir, bf.name)
		}
		mf, err := listFolder(ctx, cfg, bf, others, copyTo, a.stderr)
		if err != nil {
			return err
		}
		if bf.media {
			if err := writeFileList(filepath.Join(dir, bf.name+".files"), mf.Files); err != nil {
				return err
			}
		}
		for _, f := range mf.Files {
			files++
			bytes += f.Size
		}
		m.Folders = append(m.Folders, mf)
	}
	if err := writeManifest(filepath.Join(dir, manifestFile), &m); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "backed up the database (schema version %d, %d bytes) into %s\n", version, m.Database.Size, dbCopy)
	for _, mf := range m.Folders {
		var n, size int64
		for _, f := range mf.Files {
			n++
			size += f.Size
		}
		how := "copied into " + filepath.Join(dir, mf.Name)
		if !mf.Copied {
			how = fmt.Sprintf("listed in %s: copy them with rsync -a --from0 --files-from=%s %s/ %s/",
				filepath.Join(dir, mf.Name+".files"), filepath.Join(dir, mf.Name+".files"), mf.Source, filepath.Join(dir, mf.Name))
		}
		fmt.Fprintf(a.stdout, "%s (%s): %d files, %d bytes, %s\n", mf.Setting, mf.Source, n, size, how)
	}
	fmt.Fprintf(a.stdout, "manifest: %s (%d files, %d bytes) in %s\n", filepath.Join(dir, manifestFile), files, bytes, time.Since(start).Round(time.Millisecond))
	return nil
}

// emptyDir returns nil when dir does not exist or is an empty folder.
func emptyDir(dir string) error {
	entries, err := folderEntries(dir, os.Lstat)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty (it holds %s): give an empty or new folder", dir, entries[0].Name())
	}
	return err
}

// folderEntries returns the entries of dir (none when it does not
// exist), stat telling whether it is a folder: os.Lstat refuses a
// symbolic link, os.Stat follows it (a mount point).
func folderEntries(dir string, stat func(string) (fs.FileInfo, error)) ([]os.DirEntry, error) {
	fi, err := stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	return os.ReadDir(dir)
}
