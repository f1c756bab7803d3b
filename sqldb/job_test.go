package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lectern"
	"lectern/jobs"
	"lectern/sqldb"
)

// errInjected fails a transaction after its row and its job were
// inserted.
var errInjected = errors.New("injected failure after the job's insert")

// failAfter inserts the job through River, then fails (or runs then,
// when set, instead of failing): whatever happens after the job's insert
// happens to both.
type failAfter struct {
	lectern.Enqueuer
	then func()
}

func (f failAfter) EnqueueTx(ctx context.Context, tx *sql.Tx, args lectern.JobArgs) error {
	if err := f.Enqueuer.EnqueueTx(ctx, tx, args); err != nil {
		return err
	}
	if f.then != nil {
		f.then()
	}
	return errInjected
}

// jobBundle is a database with River's tables, the store's Enqueuer, and
// rows that the transactions under test need.
type jobBundle struct {
	db        *sqldb.DB
	enq       lectern.Enqueuer
	recorder  *lectern.Recorder
	user      *lectern.User
	treatment *lectern.Treatment
}

func setupJobs(tb testing.TB, path string) *jobBundle {
	tb.Helper()
	db, err := sqldb.Open(context.Background(), path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return setupJobsOn(tb, db)
}

// setupJobsOn is setupJobs on an open database, SQLite or PostgreSQL: its
// Enqueuer is River's for that database.
func setupJobsOn(tb testing.TB, db *sqldb.DB) *jobBundle {
	tb.Helper()
	if err := jobs.Migrate(context.Background(), db.SQL(), nil); err != nil {
		tb.Fatal(err)
	}
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerConfig{Postgres: db.Dialect() == "postgres"})
	if err != nil {
		tb.Fatal(err)
	}
	b := jobRows(tb, db)
	b.enq = enq
	return b
}

// jobRows fills db with a user, a type, a recorder and a treatment to
// notify, on either database; its Enqueuer is left nil.
func jobRows(tb testing.TB, db *sqldb.DB) *jobBundle {
	tb.Helper()
	ctx := context.Background()
	b := &jobBundle{db: db, user: &lectern.User{Username: "owner", IsActive: true}}
	if err := sqldb.NewUserService(db).CreateUser(ctx, b.user); err != nil {
		tb.Fatal(err)
	}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		tb.Fatal(err)
	}
	b.recorder = lectern.NewRecorder()
	b.recorder.Name, b.recorder.AddressIP, b.recorder.Directory, b.recorder.TypeID = "A", "10.0.0.1", "a", vt.ID
	if err := sqldb.NewRecorderService(db).CreateRecorder(ctx, b.recorder); err != nil {
		tb.Fatal(err)
	}
	b.treatment = &lectern.Treatment{File: "/data/a/x.mp4", RecorderID: &b.recorder.ID, Type: lectern.RecordingTypeVideo,
		State: lectern.TreatmentToNotify}
	if _, err := sqldb.NewTreatmentService(db, nil).CreateTreatment(ctx, b.treatment); err != nil {
		tb.Fatal(err)
	}
	return b
}

func (b *jobBundle) recording() *lectern.Recording {
	return &lectern.Recording{RecorderID: b.recorder.ID, UserID: b.user.ID, TreatmentID: &b.treatment.ID, Title: "Lecture",
		Type: lectern.RecordingTypeVideo, SourceFile: b.treatment.File}
}

// rowAndJob reads, in one query (one snapshot), whether the row is there
// and how many jobs of kind carry its id as arg.
func (b *jobBundle) rowAndJob(tb testing.TB, rowQuery, kind, arg string, id int64) (row, job int) {
	tb.Helper()
	query := `SELECT (` + rowQuery + `),
		(SELECT count(*) FROM river_job WHERE kind = ? AND json_extract(args, '$.'||?) = ?)`
	if b.db.Dialect() == "postgres" {
		query = `SELECT (` + strings.Replace(rowQuery, "?", "$1", 1) + `),
		(SELECT count(*) FROM river_job WHERE kind = $2 AND (args->>$3)::bigint = $4)`
	}
	if err := b.db.SQL().QueryRow(query, id, kind, arg, id).Scan(&row, &job); err != nil {
		tb.Fatal(err)
	}
	return row, job
}

// txSpy is an Enqueuer that looks, from the transaction it is handed,
// at what its caller wrote: it proves that EnqueueTx gets the raw
// *sql.Tx of the row's own transaction, on either database.
type txSpy struct {
	db      *sqldb.DB
	fail    bool
	inTx    int // recordings the handed transaction sees
	outside int // recordings the pool sees meanwhile
	calls   int
}

func (s *txSpy) EnqueueTx(ctx context.Context, tx *sql.Tx, args lectern.JobArgs) error {
	s.calls++
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM recordings").Scan(&s.inTx); err != nil {
		return err
	}
	if err := s.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM recordings").Scan(&s.outside); err != nil {
		return err
	}
	if s.fail {
		return errInjected
	}
	return nil
}

// The store hands the Enqueuer the transaction that holds the row, on
// SQLite and on PostgreSQL alike (River's InsertTx needs its *sql.Tx on
// both: riversqlite, riverdatabasesql): the row is seen there and not yet
// outside, and a failure of the enqueue rolls the row back.
func TestEnqueueGetsTheRowsTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": MustOpenDB, "postgres": MustOpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := jobRows(t, open(t))
			failed := &txSpy{db: b.db, fail: true}
			if err := sqldb.NewRecordingService(b.db, failed).CreateRecording(ctx, b.recording()); !errors.Is(err, errInjected) {
				t.Fatalf("error %v, want the injected one", err)
			}
			spy := &txSpy{db: b.db}
			if err := sqldb.NewRecordingService(b.db, spy).CreateRecording(ctx, b.recording()); err != nil {
				t.Fatal(err)
			}
			var after int
			if err := b.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM recordings").Scan(&after); err != nil {
				t.Fatal(err)
			}
			for _, s := range []*txSpy{failed, spy} {
				if s.calls != 1 || s.inTx != 1 || s.outside != 0 {
					t.Errorf("enqueue (failing %v) called %d times, saw %d recordings in its transaction and %d outside; want 1, 1, 0",
						s.fail, s.calls, s.inTx, s.outside)
				}
			}
			if after != 1 {
				t.Errorf("%d recordings after a failed and a committed create; want 1", after)
			}
		})
	}
}

// Each row that calls for a job and its job commit together: after a
// success both are there, read in one query; when the transaction fails
// after the job's insert, neither is.
func TestJobCommitsWithItsRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// do runs the transaction with q and returns the id of its row.
		do       func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error)
		rowQuery string // one row's count; its id is the query's argument
		kind     string
		arg      string
	}{
		{"recording and process_recording", func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error) {
			r := b.recording()
			err := sqldb.NewRecordingService(b.db, q).CreateRecording(ctx, r)
			return r.ID, err
		}, "SELECT count(*) FROM recordings r JOIN treatments t ON t.id = r.treatment_id WHERE r.id = ? AND t.state = 'published'",
			lectern.JobProcessRecording, "recording_id"},
		{"video source and encode_video", func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error) {
			v := &lectern.Video{Title: "Lecture", OwnerID: b.user.ID, TypeID: b.recorder.TypeID}
			if err := sqldb.NewVideoService(b.db, nil).CreateVideo(ctx, v); err != nil {
				tb.Fatal(err)
			}
			return v.ID, sqldb.NewVideoService(b.db, q).SetSource(ctx, v.ID, "videos/1/source.mp4")
		}, "SELECT count(*) FROM videos WHERE id = ? AND source_file <> ''", lectern.JobEncodeVideo, "video_id"},
		{"video encoded again and encode_video", func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error) {
			v := &lectern.Video{Title: "Lecture", OwnerID: b.user.ID, TypeID: b.recorder.TypeID}
			videos := sqldb.NewVideoService(b.db, nil)
			if err := videos.CreateVideo(ctx, v); err != nil {
				tb.Fatal(err)
			}
			if err := videos.SetEncoding(ctx, v.ID, lectern.EncodingError, 40, "ffmpeg died"); err != nil {
				tb.Fatal(err)
			}
			return v.ID, sqldb.NewVideoService(b.db, q).EncodeAgain(ctx, v.ID)
		}, "SELECT count(*) FROM videos WHERE id = ? AND encoding_state = 'pending' AND encoding_progress = 0 AND encoding_log = ''",
			lectern.JobEncodeVideo, "video_id"},
		{"outbox message and send_mail", func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error) {
			m := &lectern.Message{Kind: lectern.MessageNewRecording, To: []string{"m@univ.example"}, Subject: "new"}
			_, err := sqldb.NewTreatmentService(b.db, q).TransitionTreatment(ctx, b.treatment.ID, lectern.TreatmentToNotify,
				lectern.TreatmentNotified, m)
			if m.ID == 0 {
				m.ID = 1 // rolled back: the id it had
			}
			return m.ID, err
		}, "SELECT count(*) FROM messages m JOIN treatments t ON t.id = m.treatment_id WHERE m.id = ? AND t.state = 'notified'",
			lectern.JobSendMail, "message_id"},
		{"message queued again and send_mail", func(tb testing.TB, b *jobBundle, q lectern.Enqueuer) (int64, error) {
			m := &lectern.Message{Kind: lectern.MessageNewRecording, To: []string{"m@univ.example"}, Subject: "new"}
			if _, err := sqldb.NewTreatmentService(b.db, nil).TransitionTreatment(ctx, b.treatment.ID, lectern.TreatmentToNotify,
				lectern.TreatmentNotified, m); err != nil {
				tb.Fatal(err)
			}
			if err := sqldb.NewMessageService(b.db, nil).MarkMessageAttempt(ctx, m.ID, "refused", true); err != nil {
				tb.Fatal(err)
			}
			return m.ID, sqldb.NewMessageService(b.db, q).RequeueMessage(ctx, m.ID)
		}, "SELECT count(*) FROM messages WHERE id = ? AND state = 'queued'", lectern.JobSendMail, "message_id"},
	} {
		for db, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": MustOpenDB, "postgres": MustOpenPostgres} {
			t.Run(db+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				t.Run("committed", func(t *testing.T) {
					t.Parallel()
					b := setupJobsOn(t, open(t))
					id, err := tc.do(t, b, b.enq)
					if err != nil {
						t.Fatal(err)
					}
					if row, job := b.rowAndJob(t, tc.rowQuery, tc.kind, tc.arg, id); row != 1 || job != 1 {
						t.Errorf("after the commit: %d rows, %d %s jobs; want 1 and 1", row, job, tc.kind)
					}
				})
				t.Run("rolled back", func(t *testing.T) {
					t.Parallel()
					b := setupJobsOn(t, open(t))
					id, err := tc.do(t, b, failAfter{Enqueuer: b.enq})
					if !errors.Is(err, errInjected) {
						t.Fatalf("error %v, want the injected one", err)
					}
					if row, job := b.rowAndJob(t, tc.rowQuery, tc.kind, tc.arg, id); row != 0 || job != 0 {
						t.Errorf("after a rollback: %d rows, %d %s jobs; want none", row, job, tc.kind)
					}
				})
			})
		}
	}
}

// crashDBEnv names the database file a child test process publishes a
// recording in, and is killed before the commit.
const crashDBEnv = "LECTERN_TEST_CRASH_DB"

// A process killed (SIGKILL) after the recording's row and its job were
// inserted, before the commit, leaves neither.
func TestCrashBeforeCommitLeavesNothing(t *testing.T) {
	if path := os.Getenv(crashDBEnv); path != "" {
		b := setupJobs(t, path)
		die := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
		_ = sqldb.NewRecordingService(b.db, failAfter{Enqueuer: b.enq, then: die}).CreateRecording(context.Background(), b.recording())
		t.Fatal("still alive after SIGKILL")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lectern.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBeforeCommitLeavesNothing$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed\n%s", err, out)
	}
	b, err := sqldb.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var recs, jobCount int
	if err := b.SQL().QueryRow(`SELECT (SELECT count(*) FROM recordings), (SELECT count(*) FROM river_job)`).Scan(&recs, &jobCount); err != nil {
		t.Fatal(err)
	}
	if recs != 0 || jobCount != 0 {
		t.Errorf("after a crash before the commit: %d recordings, %d jobs; want none", recs, jobCount)
	}
	var state string
	if err := b.SQL().QueryRow(`SELECT state FROM treatments`).Scan(&state); err != nil || state != lectern.TreatmentToNotify {
		t.Errorf("treatment state %q, %v; want it unchanged", state, err)
	}
}

// failRetry retries the job through River, then fails: the retry and
// the video's row roll back together.
type failRetry struct{ lectern.Enqueuer }

func (f failRetry) RetryTx(ctx context.Context, tx *sql.Tx, id int64) error {
	if err := f.Enqueuer.(lectern.Retrier).RetryTx(ctx, tx, id); err != nil {
		return err
	}
	return errInjected
}

// An admin's retry of a failed encode marks the video pending and makes
// its job available in one transaction: when it fails after River's
// retry, the video and the job are as they were; on both databases.
func TestRetryEncodingWithItsJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": MustOpenDB, "postgres": MustOpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupJobsOn(t, open(t))
			v := &lectern.Video{Title: "Lecture", OwnerID: b.user.ID, TypeID: b.recorder.TypeID}
			if err := sqldb.NewVideoService(b.db, nil).CreateVideo(ctx, v); err != nil {
				t.Fatal(err)
			}
			if err := sqldb.NewVideoService(b.db, b.enq).SetSource(ctx, v.ID, "videos/1/source.mp4"); err != nil {
				t.Fatal(err)
			}
			if err := sqldb.NewVideoService(b.db, nil).SetEncoding(ctx, v.ID, lectern.EncodingError, 40, "ffmpeg died"); err != nil {
				t.Fatal(err)
			}
			var jobID int64
			if err := b.db.SQL().QueryRow(`UPDATE river_job SET state = 'discarded', finalized_at = CURRENT_TIMESTAMP
				RETURNING id`).Scan(&jobID); err != nil {
				t.Fatal(err)
			}
			state := func() (video, job string) {
				t.Helper()
				q := `SELECT (SELECT encoding_state FROM videos), (SELECT state FROM river_job)`
				if err := b.db.SQL().QueryRow(q).Scan(&video, &job); err != nil {
					t.Fatal(err)
				}
				return video, job
			}
			err := sqldb.NewVideoService(b.db, failRetry{b.enq}).RetryEncoding(ctx, v.ID, jobID)
			if !errors.Is(err, errInjected) {
				t.Fatalf("error %v, want the injected one", err)
			}
			if video, job := state(); video != lectern.EncodingError || job != "discarded" {
				t.Errorf("after a rollback: video %s, job %s; want error and discarded, as they were", video, job)
			}
			if err := sqldb.NewVideoService(b.db, b.enq).RetryEncoding(ctx, v.ID, jobID); err != nil {
				t.Fatal(err)
			}
			if video, job := state(); video != lectern.EncodingPending || job != "available" {
				t.Errorf("after the commit: video %s, job %s; want pending and available", video, job)
			}
		})
	}
}
