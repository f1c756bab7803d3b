package web

import (
	"net/http"
	"path/filepath"

	"lectern"
)

type adminRecordingFileListPage struct {
	layout
	Head       listHead
	Rows       []recordingFileRow
	Pagination pagination
}

// recordingFileRow is an upload as the list shows it.
type recordingFileRow struct {
	F          *lectern.RecordingFile
	Name       string // base name
	Recorder   string // "" when it is gone
	RecorderID int64
	Size       string
	ExactSize  string
	UploadedBy string // username; "" when unknown or deleted
	Added      when
	Treatment  int64 // 0: no treatment, or no treatments page to link to
}

// handleAdminRecordingFileList lists the files uploaded over HTTP
// (multipart or tus), newest first, 20 a page, filtered by recorder.
func (s *Server) handleAdminRecordingFileList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.printer(r)
	filter := lectern.RecordingFileFilter{RecorderID: queryID(r, "recorder"), Page: requestPage(r)}
	files, total, err := s.deps.RecordingFiles.FindRecordingFiles(ctx, filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	recorders, err := s.allRecorders(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names := s.recorderNames(recorders)
	users := s.usernames()
	rows := make([]recordingFileRow, 0, len(files))
	for _, f := range files {
		row := recordingFileRow{
			F: f, Name: filepath.Base(f.File), RecorderID: f.RecorderID,
			Size: humanSize(p, f.FileSize), ExactSize: exactSize(p, f.FileSize), Added: moment(p, f.DateAdded),
		}
		if row.Recorder, err = names.name(ctx, f.RecorderID); err != nil {
			s.serverError(w, r, err)
			return
		}
		if f.UploadedBy != nil {
			if row.UploadedBy, err = users.name(ctx, *f.UploadedBy); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		if f.TreatmentID != nil && s.deps.Treatments != nil {
			row.Treatment = *f.TreatmentID
		}
		rows = append(rows, row)
	}

	l := s.page(r, "admin.recording_file.list.title", "recording_files")
	s.render(w, r, http.StatusOK, "admin_recording_file_list", adminRecordingFileListPage{
		layout: l,
		Head: listHead{
			Path: "/admin/recording-files/", Intro: p.T("admin.recording_file.list.intro"), Filters: []listFilter{recorderFilter(p, recorders, filter.RecorderID)},
			Count: p.Plural("admin.recording_file.list.count", total), Empty: p.T("admin.recording_file.list.empty"),
		},
		Rows:       rows,
		Pagination: newPagination(r, filter.Page, total),
	})
}
