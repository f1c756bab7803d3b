package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"lectern"
)

// done is the tombstone of a finished upload, kept in TempDir/tus as
// <id>.done for DoneKeep.
type done struct {
	ID            string    `json:"id"`
	Size          int64     `json:"size"`
	User          string    `json:"user"`
	RecordingFile int64     `json:"recording_file"`
	Treatment     int64     `json:"treatment"`
	Finished      time.Time `json:"finished"`
}

// DoneKeep is how long a finished tus upload still answers HEAD (with its
// full length) instead of 404: a client whose last answer was lost learns
// that its upload is complete rather than sending it again.
const DoneKeep = 7 * 24 * time.Hour

func (d *done) headers() tushandler.HTTPHeader {
	return tushandler.HTTPHeader{
		"Lectern-Recording-File": strconv.FormatInt(d.RecordingFile, 10),
		"Lectern-Treatment":      strconv.FormatInt(d.Treatment, 10),
	}
}

func (s *tusServer) donePath(id string) string { return filepath.Join(s.dir, id+".done") }

func (s *tusServer) readDone(id string) (*done, error) {
	b, err := os.ReadFile(s.donePath(id))
	if err != nil {
		return nil, err
	}
	var d done
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("read tombstone of upload %s: %w", id, err)
	}
	return &d, nil
}

// writeDone writes the tombstone atomically: a temporary file, synced,
// renamed.
func (s *tusServer) writeDone(d *done) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, d.ID+".done-*.tmp")
	if err != nil {
		return fmt.Errorf("write tombstone of upload %s: %w", d.ID, err)
	}
	defer os.Remove(tmp.Name()) // fails once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write tombstone of upload %s: %w", d.ID, err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write tombstone of upload %s: %w", d.ID, err)
	}
	if err := os.Rename(tmp.Name(), s.donePath(d.ID)); err != nil {
		return fmt.Errorf("write tombstone of upload %s: %w", d.ID, err)
	}
	return syncDir(s.dir)
}

// answerDone answers HEAD and PATCH for a finished upload as tusd answers
// for a complete one; other methods get 404, the upload being gone.
func (s *tusServer) answerDone(w http.ResponseWriter, r *http.Request, d *done) {
	for k, v := range d.headers() {
		w.Header().Set(k, v)
	}
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.Header().Set("Cache-Control", "no-store")
	size := strconv.FormatInt(d.Size, 10)
	method := r.Method
	if m := r.Header.Get("X-HTTP-Method-Override"); method == http.MethodPost && m != "" {
		method = m
	}
	switch method {
	case http.MethodHead:
		w.Header().Set("Upload-Offset", size)
		w.Header().Set("Upload-Length", size)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
		w.Header().Set("Upload-Offset", size)
		w.WriteHeader(http.StatusNoContent)
	default:
		s.h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Upload not found."))
	}
}
