package sqldb

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestMigrateAutoincrementKeepsRows fills a database at version 10 (before
// AUTOINCREMENT), migrates it, and checks that every row, id, index and
// foreign key is still there, that no ON DELETE action ran during the
// rebuild, and that a deleted newest id is not handed out again.
func TestMigrateAutoincrementKeepsRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lectern.db")
	sdb, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	fsys, _ := fs.Sub(migrationFS, "migrations/sqlite")
	p, err := goose.NewProvider(goose.DialectSQLite3, sdb, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	now := "2026-01-02 03:04:05"
	for _, q := range []string{
		"INSERT INTO users (id, username, date_joined) VALUES (1, 'alice', '" + now + "')",
		"INSERT INTO video_types (id, title) VALUES (1, 'Course')",
		"INSERT INTO recorders (id, name, address_ip, directory, type_id, user_id, created_at, updated_at) VALUES (3, 'r', '10.0.0.1', 'r', 1, 1, '" + now + "', '" + now + "')",
		"INSERT INTO treatments (id, file, recorder_id, state, date_added, reason) VALUES (7, '/d/r/a.mp4', 3, 'published', '" + now + "', 'x')",
		"INSERT INTO treatments (id, file, recorder_id, state, date_added) VALUES (9, '/d/r/b.mp4', 3, 'to_claim', '" + now + "')",
		"INSERT INTO recordings (id, recorder_id, user_id, treatment_id, title, source_file, date_added) VALUES (5, 3, 1, 7, 't', '/d/r/a.mp4', '" + now + "')",
		"INSERT INTO recording_files (id, file, recorder_id, uploaded_by, date_added, treatment_id) VALUES (4, '/d/r/a.mp4', 3, 1, '" + now + "', 7)",
		"INSERT INTO videos (id, title, owner_id, type_id, recording_id, date_added, date_updated, date_evt) VALUES (11, 'v', 1, 1, 5, '" + now + "', '" + now + "', '2026-01-02')",
		"INSERT INTO renditions (video_id, name, kind, path) VALUES (11, '360p', 'mp4', 'x')",
		"INSERT INTO enrichments (video_id, position, start) VALUES (11, 1, 0)",
		"INSERT INTO video_additional_owners (video_id, user_id) VALUES (11, 1)",
		"INSERT INTO messages (id, kind, treatment_id, created_at) VALUES (2, 'new_recording', 9, '" + now + "')",
		"INSERT INTO api_tokens (id, user_id, hash, created_at) VALUES (6, 1, 'h', '" + now + "')",
	} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	one := func(q string) string {
		t.Helper()
		var s sql.NullString
		if err := sdb.QueryRowContext(ctx, q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s.String
	}
	for q, want := range map[string]string{
		"SELECT group_concat(id) FROM (SELECT id FROM treatments ORDER BY id)":                      "7,9",
		"SELECT reason FROM treatments WHERE id = 7":                                                "x",
		"SELECT treatment_id FROM recordings WHERE id = 5":                                          "7",
		"SELECT treatment_id FROM recording_files WHERE id = 4":                                     "7",
		"SELECT recording_id || ' ' || date_evt FROM videos WHERE id = 11":                          "5 2026-01-02",
		"SELECT treatment_id FROM messages WHERE id = 2":                                            "9",
		"SELECT COUNT(*) FROM renditions WHERE video_id = 11":                                       "1",
		"SELECT COUNT(*) FROM enrichments WHERE video_id = 11":                                      "1",
		"SELECT COUNT(*) FROM video_additional_owners WHERE video_id = 11":                          "1",
		"SELECT user_id FROM api_tokens WHERE id = 6":                                               "1",
		"SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%\\_new' ESCAPE '\\'":                  "0",
		"SELECT COUNT(*) FROM pragma_foreign_key_list('recordings') WHERE \"table\" = 'treatments'": "1",
		"PRAGMA foreign_keys": "1",
	} {
		if got := one(q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	// Every index of the rebuilt tables is back.
	for _, idx := range []string{"treatments_recorder_state_idx", "treatments_state_idx", "treatments_date_added_idx",
		"recordings_recorder_idx", "recordings_user_idx", "recording_files_recorder_idx", "recording_files_file_idx",
		"recording_files_date_added_idx", "recording_files_treatment_idx", "videos_owner_idx", "messages_state_idx"} {
		if one("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '"+idx+"'") != "1" {
			t.Errorf("index %s is missing", idx)
		}
	}
	rows, err := sdb.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check reports a violation")
	}
	rows.Close()
	for _, table := range []string{"treatments", "recordings", "recording_files", "videos", "messages", "api_tokens"} {
		if sqlText := one("SELECT sql FROM sqlite_master WHERE name = '" + table + "'"); !strings.Contains(sqlText, "AUTOINCREMENT") {
			t.Errorf("%s is not AUTOINCREMENT: %s", table, sqlText)
		}
	}
	// The newest treatment deleted, the next one gets a greater id.
	if _, err := sdb.ExecContext(ctx, "DELETE FROM treatments WHERE id = 9"); err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.ExecContext(ctx, "INSERT INTO treatments (file, date_added) VALUES ('/d/r/c.mp4', '"+now+"')"); err != nil {
		t.Fatal(err)
	}
	if got := one("SELECT MAX(id) FROM treatments"); got != "10" {
		t.Errorf("id after deleting 9: %s, want 10", got)
	}
}
