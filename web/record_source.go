package web

import (
	"context"
	"fmt"
	"path/filepath"

	"lectern"
	"lectern/locale"
)

// resolveSource finds the pending deposit that file names for recorder
// rec. file is absolute, or relative to the recorder's directory (the
// seed's email links) or to DEFAULT_RECORDER_PATH (Pod 4's). It must
// resolve, symbolic links included, to a regular file inside the
// recorder's directory, or be a deposit the intake gave this recorder
// (DEFAULT_RECORDER_ID), with a treatment that is not published. A
// refusal is a translated message for the source_file field; err is for
// failures of the store.
//
// A link outlives the name it carries: the manager's mail names the file
// as it was then, and the recorder may rename it or move it into a
// sub-folder afterwards (its treatment follows it, MoveTreatment). When
// file names no pending deposit, a pending deposit of rec that had that
// name before is the one meant (the newest, if several did). Only rec's
// own deposits are looked for so, and those are already the visitor's to
// see, or refused as a whole by mayPublish.
//
// The form never tells what lies outside the recorder's directory: a path
// elsewhere gets one answer whether a file, a folder, a deposit of
// another recorder or nothing is there, chosen from the path's text
// alone ("missing" when it was also looked for in the recorder's
// directory, "outside" otherwise).
func (s *Server) resolveSource(ctx context.Context, p *locale.Printer, rec *lectern.Recorder, file string) (t *lectern.Treatment, refusal string, err error) {
	root := filepath.Clean(s.recorderRoot())
	if file == "" {
		return nil, p.Error("Please specify a source file."), nil
	}
	candidates := s.sourceCandidates(rec, file)
	t, refusal, err = s.resolvePath(ctx, p, rec, root, candidates)
	if err != nil || refusal == "" {
		return t, refusal, err
	}
	former, err := s.formerDeposit(ctx, rec, root, candidates)
	if err != nil || former == nil {
		return t, refusal, err
	}
	return former, "", nil
}

// sourceCandidates are the paths file may name for rec, in the order
// they are tried: file itself when absolute, else in the recorder's
// directory, then in DEFAULT_RECORDER_PATH.
func (s *Server) sourceCandidates(rec *lectern.Recorder, file string) []string {
	if filepath.IsAbs(file) {
		return []string{filepath.Clean(file)}
	}
	root := filepath.Clean(s.recorderRoot())
	return []string{filepath.Join(root, rec.Directory, file), filepath.Join(root, file)}
}

// formerDeposit finds the newest pending deposit of rec whose file had
// one of the names before it was renamed; nil when none did.
func (s *Server) formerDeposit(ctx context.Context, rec *lectern.Recorder, root string, names []string) (*lectern.Treatment, error) {
	for _, name := range names {
		if !inside(root, name) {
			continue
		}
		list, _, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{FormerFile: &name, RecorderID: &rec.ID,
			Page: lectern.Page{Size: lectern.MaxPageSize}})
		if err != nil {
			return nil, fmt.Errorf("find treatment formerly at %s: %w", name, err)
		}
		for _, t := range list {
			if pending(t) {
				return t, nil
			}
		}
	}
	return nil, nil
}

// inside reports whether path lies under dir (by their text).
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsLocal(rel)
}

// resolvePath is resolveSource for the file's candidate paths, by what is
// at them now.
func (s *Server) resolvePath(ctx context.Context, p *locale.Printer, rec *lectern.Recorder, root string, candidates []string) (t *lectern.Treatment, refusal string, err error) {
	abs, dir := "", ""
	ownTried := false // a candidate was in the recorder's directory
	for _, c := range candidates {
		// Names outside the root are refused before the disk is asked.
		if !inside(root, c) {
			continue
		}
		own := inside(filepath.Join(root, rec.Directory), c)
		ownTried = ownTried || own
		a, d, _, rerr := lectern.ResolveDeposit(root, c)
		switch code := lectern.ErrorCode(rerr); {
		case rerr == nil:
			abs, dir = a, d
		case code == lectern.ENOTFOUND:
			continue
		case code == lectern.EINVALID && own: // a folder, a link out of the root: the visitor's own
			return nil, p.T("record.source.error.outside"), nil
		case code == lectern.EINVALID:
			continue // elsewhere: not told
		default:
			return nil, "", rerr
		}
		break
	}
	notOurs := p.T("record.source.error.outside")
	if ownTried {
		notOurs = p.T("record.source.error.missing")
	}
	if abs == "" {
		return nil, notOurs, nil
	}
	list, _, err := s.deps.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &abs, Page: onePage})
	if err != nil {
		return nil, "", fmt.Errorf("find treatment of %s: %w", abs, err)
	}
	if len(list) == 0 {
		if dir != rec.Directory {
			return nil, notOurs, nil
		}
		return nil, p.T("record.source.error.no_deposit"), nil
	}
	t = list[0]
	if dir != rec.Directory && (t.RecorderID == nil || *t.RecorderID != rec.ID) {
		return nil, notOurs, nil
	}
	switch t.State {
	case lectern.TreatmentPublished:
		return t, conflictMessage(p, t), nil
	case lectern.TreatmentIgnored, lectern.TreatmentMissing:
		return t, p.T("record.source.error.gone"), nil
	}
	return t, "", nil
}

// conflictMessage says that t was published by someone else meanwhile.
func conflictMessage(p *locale.Printer, t *lectern.Treatment) string {
	if t.RequireManualClaim {
		return p.T("record.claim.error.taken")
	}
	return p.T("record.add.error.published")
}

// discardDeposit deletes a pending deposit, its file and its treatment,
// so that nobody publishes it meanwhile: the treatment first leaves its
// state (a publication of it then fails with a conflict), then the file
// goes (only inside DEFAULT_RECORDER_PATH, never through a link out of
// it), then the row. A file that cannot be removed is kept, and so is the
// treatment, back in its state. ECONFLICT when t was published (or
// deleted) meanwhile. The deletion is recorded as by user by, so that the
// mail's link says who deleted the deposit and when.
func (s *Server) discardDeposit(ctx context.Context, t *lectern.Treatment, by int64) error {
	if !pending(t) {
		return lectern.Errorf(lectern.ECONFLICT, "This recording has already been published, or can no longer be.")
	}
	moved, err := s.deps.Treatments.TransitionTreatment(ctx, t.ID, t.State, lectern.TreatmentMissing, nil)
	if err != nil {
		return err
	}
	if !moved {
		return lectern.Errorf(lectern.ECONFLICT, "This recording has already been published, or can no longer be.")
	}
	if err := removeDepositFile(s.recorderRoot(), t.File); err != nil {
		if _, rerr := s.deps.Treatments.TransitionTreatment(ctx, t.ID, lectern.TreatmentMissing, t.State, nil); rerr != nil {
			s.logger.Error("restore treatment state", "treatment_id", t.ID, "err", rerr)
		}
		return err
	}
	if err := s.deps.Treatments.DeleteTreatmentBy(ctx, t.ID, by); err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return err
	}
	s.media.forget(t.ID)
	return nil
}
