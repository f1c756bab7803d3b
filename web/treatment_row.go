package web

import (
	"context"
	"path/filepath"

	"lectern"
	"lectern/locale"
)

// treatmentRow is a treatment as the pages show it, translated.
type treatmentRow struct {
	T             *lectern.Treatment
	Name          string // the file's base name
	File          string // its path as the visitor may see it (shownPath)
	RecorderID    int64  // 0: none
	Recorder      string // its name; "" when none
	Size          string
	ExactSize     string
	State         string
	StateClass    string // badge colour: wait, done, off, bad
	DetectedBy    string
	Latency       string // "" when a time is missing
	Added         when
	Reason        string
	RecordingType string
}

// stateClasses colour the state badges: what waits for someone, what is
// done, what was set aside, what went wrong.
var stateClasses = map[string]string{
	lectern.TreatmentToNotify: "wait", lectern.TreatmentToPublish: "wait", lectern.TreatmentToClaim: "wait",
	lectern.TreatmentToReport: "wait", lectern.TreatmentNotified: "done", lectern.TreatmentPublished: "done",
	lectern.TreatmentReported: "done", lectern.TreatmentIgnored: "off", lectern.TreatmentMissing: "bad",
}

// stateLabel translates a treatment state; an unknown one is shown as is.
func stateLabel(p *locale.Printer, state string) string { return label(p, "treatment.state.", state) }

// sourceLabel translates a detection path.
func sourceLabel(p *locale.Printer, source string) string {
	return label(p, "treatment.source.", source)
}

// treatmentRows translates treatments for p, and for the user in ctx.
func (s *Server) treatmentRows(ctx context.Context, p *locale.Printer, names *nameCache, list []*lectern.Treatment) ([]treatmentRow, error) {
	u, _ := ctx.Value(userKey).(*lectern.User)
	rows := make([]treatmentRow, 0, len(list))
	for _, t := range list {
		row := treatmentRow{
			T:             t,
			Name:          filepath.Base(t.File),
			File:          s.shownPath(u, t.File),
			Size:          humanSize(p, t.FileSize),
			ExactSize:     exactSize(p, t.FileSize),
			State:         stateLabel(p, t.State),
			StateClass:    stateClasses[t.State],
			DetectedBy:    sourceLabel(p, t.DetectedBy),
			Added:         moment(p, t.DateAdded),
			Reason:        p.Error(t.Reason),
			RecordingType: s.recordingTypeLabel(p, t.Type),
		}
		if !t.FirstSeenAt.IsZero() && !t.CompletedAt.IsZero() {
			row.Latency = humanDuration(p, t.Latency())
		}
		if t.RecorderID != nil {
			name, err := names.name(ctx, *t.RecorderID)
			if err != nil {
				return nil, err
			}
			if name != "" {
				row.RecorderID, row.Recorder = *t.RecorderID, name
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
