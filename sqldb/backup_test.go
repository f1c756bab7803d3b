package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"lectern/sqldb"
)

// TestBackupFile copies a database while another connection writes to
// it: each copy passes integrity_check and is at the schema's version; a
// copy over a file, of junk or of a missing database fails.
func TestBackupFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "lectern.db")
	db, err := sqldb.Open(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE t (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		db.SQL().ExecContext(ctx, "INSERT INTO t VALUES (?)", i)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var copies []string
	for i := range 3 {
		dst := filepath.Join(dir, fmt.Sprintf("copy%d.db", i))
		if err := sqldb.BackupFile(ctx, src, dst); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, dst)
	}
	close(stop)
	wg.Wait()

	latest, err := sqldb.LatestVersion("sqlite")
	if err != nil || latest < 23 {
		t.Fatalf("LatestVersion = %d, %v", latest, err)
	}
	for _, c := range copies {
		v, err := sqldb.CheckFile(ctx, c)
		if err != nil || v != latest {
			t.Errorf("CheckFile(%s) = %d, %v; want %d", c, v, err, latest)
		}
		if _, err := os.Stat(c + "-wal"); err == nil {
			t.Errorf("%s-wal left by the check", c)
		}
	}
	if err := sqldb.BackupFile(ctx, src, copies[0]); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a backup over an existing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "junk.db"), []byte("SQLite format 3\x00 junk junk junk"), 0o600)
	if _, err := sqldb.CheckFile(ctx, filepath.Join(dir, "junk.db")); err == nil {
		t.Errorf("CheckFile of junk: no error")
	}
	if err := sqldb.BackupFile(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Errorf("a backup of a missing database: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("a backup of a missing database made it")
	}
}
