package upload

import (
	"context"
	"fmt"
	"os"
	"time"

	"lectern"
)

// deposit moves the complete, synced file src into rec's directory under
// name, hands it to Intake.Complete and records the recording file. src
// is left for the caller to remove. When the treatment cannot be made the
// placed file is taken back, so a retry starts from the same state.
func (h *Handler) deposit(ctx context.Context, src string, rec *lectern.Recorder, name string, userID int64, started time.Time) (*lectern.RecordingFile, *lectern.Treatment, error) {
	dir, err := recorderDir(h.cfg.Root, rec)
	if err != nil {
		return nil, nil, err
	}
	dst, err := place(src, dir, name, func(p string) (bool, error) { return h.deps.Intake.Taken(ctx, p) })
	if err != nil {
		return nil, nil, err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return nil, nil, err
	}
	t, _, err := h.deps.Intake.Complete(ctx, lectern.Deposit{Path: dst, Size: fi.Size(), Source: lectern.SourceHTTP, FirstSeen: started})
	if err == nil && t == nil {
		err = &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: "The file is empty or its name is ignored."}
	}
	if err != nil {
		if rerr := os.Remove(dst); rerr != nil {
			h.logger.Warn("take back upload", "file", dst, "err", rerr)
		}
		return nil, nil, err
	}
	rf := &lectern.RecordingFile{File: t.File, FileSize: t.FileSize, RecorderID: rec.ID, UploadedBy: &userID,
		TreatmentID: &t.ID, DateAdded: h.now()}
	err = h.deps.RecordingFiles.CreateRecordingFile(ctx, rf)
	if lectern.ErrorFields(err)["uploaded_by"] != "" { // the user was deleted meanwhile
		rf.UploadedBy = nil
		err = h.deps.RecordingFiles.CreateRecordingFile(ctx, rf)
	}
	if err != nil {
		return nil, t, fmt.Errorf("record upload %s: %w", t.File, err)
	}
	h.logger.Info("upload deposited", "recording_file_id", rf.ID, "treatment_id", t.ID, "file", t.File,
		"size", t.FileSize, "recorder_id", rec.ID, "user_id", userID, "state", t.State)
	return rf, t, nil
}

// recordingFileBody is a recording file as the API shows it (package api's
// shape): its treatment in full in place of the treatment's id.
type recordingFileBody struct {
	*lectern.RecordingFile
	Treatment *treatmentBody `json:"treatment"`
}

// treatmentBody is a treatment as the API shows it: unknown times null,
// and the detection latency in seconds.
type treatmentBody struct {
	*lectern.Treatment
	DateEmailSent  *time.Time `json:"date_email_sent"`
	FirstSeenAt    *time.Time `json:"first_seen_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	RoutedAt       *time.Time `json:"routed_at"`
	LatencySeconds float64    `json:"latency_seconds"`
}

func newRecordingFileBody(rf *lectern.RecordingFile, t *lectern.Treatment) recordingFileBody {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return recordingFileBody{RecordingFile: rf, Treatment: &treatmentBody{Treatment: t,
		DateEmailSent: opt(t.DateEmailSent), FirstSeenAt: opt(t.FirstSeenAt), CompletedAt: opt(t.CompletedAt),
		RoutedAt: opt(t.RoutedAt), LatencySeconds: t.Latency().Seconds()}}
}
