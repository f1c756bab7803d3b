package api

import (
	"context"

	"lectern"
)

// What the API shows whom: the web's rule (lectern.Recorder.ManagedBy).
// A superuser reads everything. Staff read the treatments, recording
// files, recordings and recorders of the recorders they manage or help
// with, and nothing of the others: lists leave them out, and a detail of
// one is 404, as if it did not exist. They see deposits' paths relative
// to the recorder's directory (never the host's folders), no recording
// log (an admin page's), and no recorder's IP, FTP login or notify salt.

// member is the Member filter of u's lists: nil (everything) for a
// superuser, else u's id.
func member(u *lectern.User) *int64 {
	if u.IsSuperuser {
		return nil
	}
	return &u.ID
}

// notFound is the answer for a row u may not read: the same as the
// store's for a row that does not exist ("Treatment not found.").
func notFound(what string) error { return lectern.Errorf(lectern.ENOTFOUND, "%s not found.", what) }

// recorderRoot is DEFAULT_RECORDER_PATH, for showing paths relative to
// it: the Root of Recorders (a *lectern.RecorderDirectories).
func (h *Handler) recorderRoot() string {
	if d, ok := h.deps.Recorders.(*lectern.RecorderDirectories); ok {
		return d.Root
	}
	return ""
}

// viewer is one request's reader: the user, and the recorders already
// looked up, so that a page of rows costs one lookup per recorder.
type viewer struct {
	h         *Handler
	u         *lectern.User
	recorders map[int64]*lectern.Recorder // nil value: not found
}

func (h *Handler) viewer(u *lectern.User) *viewer {
	return &viewer{h: h, u: u, recorders: map[int64]*lectern.Recorder{}}
}

// recorder returns recorder id, nil when it does not exist (any more).
func (v *viewer) recorder(ctx context.Context, id int64) (*lectern.Recorder, error) {
	if rec, ok := v.recorders[id]; ok {
		return rec, nil
	}
	rec, err := v.h.deps.Recorders.FindRecorderByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		rec, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	v.recorders[id] = rec
	return rec, nil
}

// mayRead reports whether the user may read a row of recorder id (nil:
// of no recorder, which only superusers read).
func (v *viewer) mayRead(ctx context.Context, id *int64) (bool, error) {
	if v.u.IsSuperuser {
		return true, nil
	}
	if id == nil {
		return false, nil
	}
	rec, err := v.recorder(ctx, *id)
	if err != nil || rec == nil {
		return false, err
	}
	return rec.ManagedBy(v.u), nil
}

// path is how file, a deposit of recorder id, is shown to the user.
func (v *viewer) path(ctx context.Context, id *int64, file string) (string, error) {
	if v.u.IsSuperuser {
		return file, nil
	}
	dir := ""
	if id != nil {
		rec, err := v.recorder(ctx, *id)
		if err != nil {
			return "", err
		}
		if rec != nil {
			dir = rec.Directory
		}
	}
	return lectern.RelativePath(v.h.recorderRoot(), dir, file), nil
}
