package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
)

func TestCLICheckDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	c.addUser(t, "alice", "--staff")
	typeID := c.addType(t, "Course")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", itoa(typeID), "--manager", "alice")
	root := filepath.Join(c.dataDir, "recorders")
	p := filepath.Join(root, "amphi-a", "lecture.mp4")
	if err := os.WriteFile(p, make([]byte, 1000), 0o640); err != nil {
		t.Fatal(err)
	}
	db := c.open(t)
	treatments := sqldb.NewTreatmentService(db, nil)
	list := func() []*lectern.Treatment {
		t.Helper()
		l, _, err := treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// The cron's first pass sees the file; the second finds it unchanged.
	for i, want := range []string{
		"1 files: 0 already treated, 0 complete, 1 waiting",
		"1 files: 0 already treated, 1 complete, 0 waiting",
		"1 files: 1 already treated, 0 complete, 0 waiting",
	} {
		res := c.mustRun(t, "", "recorder", "checkDirectory")
		if !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, root) || strings.Count(res.stdout, "\n") != 1 {
			t.Errorf("pass %d: stdout = %q, want one line with %q", i+1, res.stdout, want)
		}
		if got := len(list()); i == 0 && got != 0 {
			t.Fatalf("the first pass made %d treatments", got)
		}
	}
	l := list()
	if len(l) != 1 {
		t.Fatalf("%d treatments, want 1", len(l))
	}
	if tr := l[0]; tr.File != p || tr.FileSize != 1000 || tr.DetectedBy != lectern.SourceCron ||
		tr.State != lectern.TreatmentToNotify || tr.RecorderID == nil {
		t.Errorf("treatment %+v, want %s to notify, detected by cron", tr, p)
	}
}

func TestCLICheckDirectoryErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		environ []string
		args    []string
		code    int
		want    []string
	}{
		{"argument", nil, []string{"extra"}, 2, []string{"takes no arguments"}},
		{"no recorder path", []string{"LECTERN_DEFAULT_RECORDER_PATH=" + filepath.Join(dir, "nope")}, nil, 3, []string{"DEFAULT_RECORDER_PATH", "nope", "does not exist"}},
		{"recorder path is a file", []string{"LECTERN_DEFAULT_RECORDER_PATH=" + file}, nil, 2, []string{"DEFAULT_RECORDER_PATH", "not a directory"}},
		{"relative recorder path", []string{"LECTERN_DEFAULT_RECORDER_PATH=recorders"}, nil, 2, []string{"DEFAULT_RECORDER_PATH"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, tt.environ...)
			res := c.run(t, "", append([]string{"recorder", "checkDirectory"}, tt.args...)...)
			res.wantExit(t, tt.code, tt.want...)
			if res.stdout != "" {
				t.Errorf("stdout = %q", res.stdout)
			}
		})
	}
	// An empty recorder path is fine: nothing to do.
	c := newCLI(t)
	if err := os.MkdirAll(filepath.Join(c.dataDir, "recorders"), 0o750); err != nil {
		t.Fatal(err)
	}
	if res := c.mustRun(t, "", "recorder", "checkDirectory"); !strings.Contains(res.stdout, "0 files") {
		t.Errorf("stdout = %q", res.stdout)
	}
}
