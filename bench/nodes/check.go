package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// check reads the database and the folder once the nodes are stopped and
// lists every inconsistency.
func check(ctx context.Context, db *sql.DB, data string, n int, longID int64, dead, survivor string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	count := func(query string, args ...any) int {
		var v int
		if err := db.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
			bad("%s: %v", query, err)
			return -1
		}
		return v
	}
	videos := count("SELECT count(*) FROM videos")
	renditions := count("SELECT count(*) FROM renditions")
	fmt.Printf("\ndatabase: %d treatments, %d recordings, %d videos (%d done), %d renditions\n",
		count("SELECT count(*) FROM treatments"), count("SELECT count(*) FROM recordings"), videos,
		count("SELECT count(*) FROM videos WHERE encoding_state = 'done'"), renditions)
	if videos != n {
		bad("%d videos, want %d", videos, n)
	}
	if v := count("SELECT count(*) FROM videos WHERE encoding_state <> 'done'"); v != 0 {
		bad("%d videos not done", v)
	}
	if v := count("SELECT count(DISTINCT source_file) FROM videos"); v != videos {
		bad("%d distinct sources for %d videos: a deposit made two videos", v, videos)
	}
	if v := count("SELECT count(*) FROM videos v WHERE NOT EXISTS (SELECT 1 FROM renditions r WHERE r.video_id = v.id)"); v != 0 {
		bad("%d videos without a rendition", v)
	}
	rows, err := db.QueryContext(ctx, "SELECT kind, state, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state")
	if err != nil {
		bad("river_job: %v", err)
	} else {
		fmt.Println("jobs:")
		for rows.Next() {
			var kind, state string
			var k int
			rows.Scan(&kind, &state, &k)
			fmt.Printf("  %-18s %-10s %d\n", kind, state, k)
			if state != "completed" {
				bad("%d %s jobs %s", k, kind, state)
			}
		}
		rows.Close()
	}
	for _, kind := range []string{"process_recording", "encode_video"} {
		if v := count("SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'", kind); v != n {
			bad("%d %s jobs completed, want %d", v, kind, n)
		}
	}
	if v := count("SELECT count(DISTINCT (args->>'video_id')::bigint) FROM river_job WHERE kind = 'encode_video'"); v != n {
		bad("encode_video jobs for %d videos, want %d (one each)", v, n)
	}
	if v := count("SELECT count(*) FROM river_job WHERE 'front' = ANY(attempted_by)"); v != 0 {
		bad("%d jobs attempted by the front node (WORKERS = false)", v)
	}
	if v := count("SELECT count(*) FROM river_job WHERE kind = 'encode_video' AND attempt > 1 AND (args->>'video_id')::bigint <> $1", longID); v != 0 {
		bad("%d encodes attempted more than once besides the rescued one", v)
	}
	var by string
	if err := db.QueryRowContext(ctx, `SELECT array_to_string(attempted_by, ',') FROM river_job
		WHERE kind = 'encode_video' AND (args->>'video_id')::bigint = $1`, longID).Scan(&by); err != nil {
		bad("the rescued job: %v", err)
	} else if by != dead+","+survivor {
		bad("the rescued job was attempted by %s, want %s then %s", by, dead, survivor)
	}
	fmt.Printf("the rescued encode: attempted by %s\n", by)

	// The folder: one directory per video, every rendition on disk.
	entries, err := os.ReadDir(filepath.Join(data, "media", "videos"))
	if err != nil {
		bad("MEDIA_ROOT/videos: %v", err)
	} else if len(entries) != n {
		bad("MEDIA_ROOT/videos holds %d folders, want %d", len(entries), n)
	}
	rows, err = db.QueryContext(ctx, "SELECT video_id, path FROM renditions")
	if err != nil {
		bad("renditions: %v", err)
		return problems
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		rows.Scan(&id, &p)
		f := filepath.Join(data, "media", "videos", strconv.FormatInt(id, 10), filepath.FromSlash(p))
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			bad("rendition %s of video %d: missing or empty (%v)", p, id, err)
		}
	}
	return problems
}
