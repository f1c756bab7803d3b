package web

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"lectern"
	"lectern/locale"
)

// depositOutcome is what became of a deposit that no longer waits. The
// add form reached again (the mail's link, a second tab) shows it in
// place of the form, as news rather than as an error: who published or
// deleted it, when, and where its video is.
type depositOutcome struct {
	Heading  string // translated
	Text     string // who, for whom, when
	At       when   // when it was published or deleted; zero: unknown
	VideoURL string // its video's page, when there is one the visitor may see
	Pending  bool   // published, its video not made yet
	Private  string // its video is made, but not for the visitor to watch: whose it is
}

// publishedOutcome tells who published t (the recording made of it) and
// when; a deposit ignored or gone without a recorded deletion is said to
// be so.
func (s *Server) publishedOutcome(r *http.Request, p *locale.Printer, t *lectern.Treatment) (*depositOutcome, error) {
	ctx := r.Context()
	if t.State != lectern.TreatmentPublished {
		return &depositOutcome{Heading: p.T("record.add.done.gone_title"), Text: p.T("record.source.error.gone")}, nil
	}
	o := &depositOutcome{Heading: p.T("record.add.done.published_title"), Text: p.T("record.add.error.published")}
	if t.RequireManualClaim {
		o.Heading, o.Text = p.T("record.add.done.claimed_title"), p.T("record.claim.error.taken")
	}
	list, _, err := s.deps.Recordings.FindRecordings(ctx, lectern.RecordingFilter{TreatmentID: &t.ID, Page: onePage})
	if err != nil || len(list) == 0 {
		return o, err
	}
	rc := list[0]
	o.At = moment(p, rc.DateAdded)
	owner, err := s.userName(ctx, &rc.UserID)
	if err != nil {
		return nil, err
	}
	by, err := s.userName(ctx, rc.PublishedByID)
	if err != nil {
		return nil, err
	}
	switch {
	case by == "":
		o.Text = p.T("record.add.done.published_auto", owner, o.At.Text)
	case rc.PublishedByID != nil && *rc.PublishedByID == rc.UserID:
		o.Text = p.T("record.add.done.published", by, o.At.Text)
	default:
		o.Text = p.T("record.add.done.published_for", by, owner, o.At.Text)
	}
	o.Pending = true
	if s.deps.Videos != nil {
		videos, _, err := s.deps.Videos.FindVideos(ctx, lectern.VideoFilter{RecordingID: &rc.ID, Page: onePage})
		if err != nil {
			return nil, err
		}
		if len(videos) > 0 {
			o.Pending = false
			if s.videoAccess(r, videos[0]) == lectern.AccessAllowed {
				o.VideoURL = videoURL(videos[0])
			} else {
				o.Private = p.T("record.add.done.video_owner", owner)
			}
		}
	}
	return o, nil
}

// deletedOutcome tells who deleted the deposit of rec that file named
// (any of the names the add form tries for it) and when; nil when no such
// deletion is recorded.
func (s *Server) deletedOutcome(ctx context.Context, p *locale.Printer, rec *lectern.Recorder, file string) (*depositOutcome, error) {
	d, err := s.deps.Treatments.FindDeletion(ctx, rec.ID, s.sourceCandidates(rec, file))
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	by, err := s.userName(ctx, d.DeletedBy)
	if err != nil {
		return nil, err
	}
	o := &depositOutcome{Heading: p.T("record.add.done.deleted_title"), At: moment(p, d.DeletedAt)}
	if by == "" {
		o.Text = p.T("record.add.done.deleted_anon", o.At.Text)
	} else {
		o.Text = p.T("record.add.done.deleted", by, o.At.Text)
	}
	return o, nil
}

// userName is the full name of the user id names; "" for nil or an
// account since deleted.
func (s *Server) userName(ctx context.Context, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	u, err := s.deps.Users.FindUserByID(ctx, *id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return u.FullName(), nil
}

// renderOutcome shows what became of the deposit in place of the add
// form: 200 on a GET (the mail's link opened again), 409 on a POST (the
// form was sent after someone else published or deleted it).
func (s *Server) renderOutcome(w http.ResponseWriter, r *http.Request, p *locale.Printer, rec *lectern.Recorder, form recordAddForm, o *depositOutcome) {
	l := s.page(r, "record.add.title", "home")
	l.Title = o.Heading
	data := recordAddPage{layout: l, Form: form, Recorder: rec, Outcome: o, Cancel: "/"}
	if form.SourceFile != "" {
		data.FileName = filepath.Base(form.SourceFile)
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusConflict
	}
	s.render(w, r, status, "record_add", data)
}

// publishedDeposit finds the published deposit of rec that file named
// (by any of the names the add form tries for it, or a name its file had
// before a rename), once its file has left the recorder's folder for
// media storage; nil when there is none. Only rec's own deposits are
// looked for: they are the visitor's to see, or refused as a whole by
// mayPublish.
func (s *Server) publishedDeposit(ctx context.Context, rec *lectern.Recorder, file string) (*lectern.Treatment, error) {
	for _, name := range s.sourceCandidates(rec, file) {
		for _, f := range []lectern.TreatmentFilter{{File: &name}, {FormerFile: &name}} {
			f.RecorderID, f.Page = &rec.ID, lectern.Page{Size: lectern.MaxPageSize}
			list, _, err := s.deps.Treatments.FindTreatments(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("find published deposit %s: %w", name, err)
			}
			for _, t := range list {
				if t.State == lectern.TreatmentPublished {
					return t, nil
				}
			}
		}
	}
	return nil, nil
}
