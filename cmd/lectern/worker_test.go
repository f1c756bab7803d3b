package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// A node whose MEDIA_ROOT or DEFAULT_RECORDER_PATH is not the storage the
// installation's first start marked refuses to start, naming the folder
// and what to check; the marked folders work.
func TestWorkerStorageMarker(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	s := startServe(t, c) // the first start marks DATA_DIR/media and DATA_DIR/recorders
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	media, recorders := filepath.Join(c.dataDir, "media"), filepath.Join(c.dataDir, "recorders")
	id, err := os.ReadFile(filepath.Join(media, storageMarker))
	if err != nil || len(strings.TrimSpace(string(id))) < 16 {
		t.Fatalf("MEDIA_ROOT's marker: %q, %v", id, err)
	}
	if again, err := os.ReadFile(filepath.Join(recorders, storageMarker)); err != nil || string(again) != string(id) {
		t.Fatalf("DEFAULT_RECORDER_PATH's marker: %q, %v; want %q", again, err, id)
	}

	other := filepath.Join(t.TempDir(), "other")
	foreign := filepath.Join(t.TempDir(), "foreign")
	if err := os.MkdirAll(foreign, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, storageMarker), []byte("someotherinstallation\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, env string
		want      []string
	}{
		{"MEDIA_ROOT not mounted (empty)", "LECTERN_MEDIA_ROOT=" + other,
			[]string{"MEDIA_ROOT " + other + " is not this installation's storage", "no marker " + storageMarker, "mounted"}},
		{"DEFAULT_RECORDER_PATH of another installation", "LECTERN_DEFAULT_RECORDER_PATH=" + foreign,
			[]string{"DEFAULT_RECORDER_PATH " + foreign + " belongs to another installation", "someotherinstallation", "Check the mount"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := &cli{dataDir: c.dataDir, environ: append(append([]string{}, c.environ...), tt.env, "LECTERN_NODE_ID=w-"+strings.Fields(tt.name)[0])}
			w.run(t, "", "worker").wantExit(t, 2, tt.want...)
			// serve checks the same.
			w.run(t, "", "serve").wantExit(t, 2, tt.want...)
		})
	}
	// A node pointed at a new, empty database by mistake never takes the
	// storage over: the markers stay the installation's.
	fresh := &cli{dataDir: c.dataDir, environ: append(append([]string{}, c.environ...),
		"LECTERN_DATABASE_URL="+filepath.Join(t.TempDir(), "new.db"), "LECTERN_NODE_ID=w-new")}
	fresh.run(t, "", "worker").wantExit(t, 2, "MEDIA_ROOT "+media+" belongs to the installation", "is new: check DATABASE_URL")
	if again, err := os.ReadFile(filepath.Join(media, storageMarker)); err != nil || string(again) != string(id) {
		t.Errorf("MEDIA_ROOT's marker after a start on a new database: %q, %v; want %q", again, err, id)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("the refused MEDIA_ROOT %s was created (%v): a node refused leaves no folder behind", other, err)
	}
}

// WORKERS, NODE_ID and JOB_RESCUE_AFTER: defaults, and refusals naming
// the key.
func TestWorkerConfig(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + data})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if !cfg.Workers || cfg.NodeID != host || time.Duration(cfg.JobRescueAfter) != time.Minute {
		t.Errorf("defaults: WORKERS %v, NODE_ID %q, JOB_RESCUE_AFTER %s; want true, %q, 1m0s",
			cfg.Workers, cfg.NodeID, time.Duration(cfg.JobRescueAfter), host)
	}
	cfg, err = LoadConfig("", []string{"LECTERN_DATA_DIR=" + data, "LECTERN_WORKERS=false", "LECTERN_NODE_ID=encoder-3",
		"LECTERN_JOB_RESCUE_AFTER=2m"})
	if err != nil || cfg.Workers || cfg.NodeID != "encoder-3" || time.Duration(cfg.JobRescueAfter) != 2*time.Minute {
		t.Errorf("set: %+v, %v", cfg, err)
	}
	for _, tt := range []struct{ env, want string }{
		{"LECTERN_NODE_ID=two words", "NODE_ID"},
		{"LECTERN_NODE_ID=" + strings.Repeat("n", 101), "NODE_ID"},
		{"LECTERN_JOB_RESCUE_AFTER=100ms", "JOB_RESCUE_AFTER: must be 1s or more"},
		{"LECTERN_WORKERS=sometimes", "WORKERS"},
	} {
		if _, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + data, tt.env}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error naming %s", tt.env, err, tt.want)
		}
	}
}

// A NODE_ID that another running node holds (a fresh heartbeat from
// another host) is a configuration refusal: exit status 2, which the
// systemd units do not restart.
func TestWorkerDuplicateNodeID(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if err := startServe(t, c).stop(); err != nil { // migrates, marks the storage
		t.Fatal(err)
	}
	db := c.open(t)
	now := time.Now()
	if err := sqldb.NewNodeService(db).BeatNode(t.Context(), &lectern.Node{ID: "twin", Host: "elsewhere", PID: 1, StartedAt: now}); err != nil {
		t.Fatal(err)
	}
	w := &cli{dataDir: c.dataDir, environ: append(append([]string{}, c.environ...), "LECTERN_NODE_ID=twin")}
	w.run(t, "", "worker").wantExit(t, 2, `NODE_ID "twin" is in use`)
	w.run(t, "", "serve").wantExit(t, 2, `NODE_ID "twin" is in use`)
}
