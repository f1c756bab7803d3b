package web

import (
	"context"
	"path/filepath"
	"strconv"

	"lectern"
	"lectern/locale"
)

var (
	onePage             = lectern.Page{Number: 1, Size: 1}
	recorderCountFilter = lectern.RecorderFilter{Page: onePage}
)

// option is one choice of a select or a list of checkboxes.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// collect reads every page of a list; the services bound pages to
// lectern.MaxPageSize.
func collect[T any](find func(lectern.Page) ([]T, int, error)) ([]T, error) {
	var all []T
	for n := 1; ; n++ {
		rows, total, err := find(lectern.Page{Number: n, Size: lectern.MaxPageSize})
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if len(rows) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

func (s *Server) allUsers(ctx context.Context) ([]*lectern.User, error) {
	return collect(func(p lectern.Page) ([]*lectern.User, int, error) {
		return s.deps.Users.FindUsers(ctx, lectern.UserFilter{Page: p})
	})
}

func (s *Server) allTypes(ctx context.Context) ([]*lectern.VideoType, error) {
	return collect(func(p lectern.Page) ([]*lectern.VideoType, int, error) {
		return s.deps.Types.FindVideoTypes(ctx, p)
	})
}

func (s *Server) allRecorders(ctx context.Context) ([]*lectern.Recorder, error) {
	return collect(func(p lectern.Page) ([]*lectern.Recorder, int, error) {
		return s.deps.Recorders.FindRecorders(ctx, lectern.RecorderFilter{Page: p})
	})
}

func userLabel(u *lectern.User) string {
	if n := u.FullName(); n != u.Username {
		return n + " (" + u.Username + ")"
	}
	return u.Username
}

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// recordingTypeLabel is the label RECORDER_TYPE gives a recording type,
// translated when it is Lectern's default English label.
func (s *Server) recordingTypeLabel(p *locale.Printer, value string) string {
	key := "recording_type." + value
	for _, rt := range s.cfg.RecordingTypes {
		if len(rt) == 2 && rt[0] == value && rt[1] != "" && rt[1] != locale.NewPrinter(locale.Default).T(key) {
			return rt[1]
		}
	}
	return label(p, "recording_type.", value)
}

// recorderRoot is DEFAULT_RECORDER_PATH, as the recorder service knows it
// when it keeps the directories.
func (s *Server) recorderRoot() string {
	if d, ok := s.deps.Recorders.(*lectern.RecorderDirectories); ok && d.Root != "" {
		return d.Root
	}
	return s.cfg.DefaultRecorderPath
}

// deposit is what a recorder's operator types in its FTP export screen,
// and where its files land.
//
// The recorder's FTP login (and, on the pages, its IP) stay visible to
// the staff who manage it, where the API shows them to superusers only:
// its managers configure the recorder with them, and the page is theirs.
// The host path is not needed for that, so it is shown as the API shows
// it (shownPath).
type deposit struct {
	Path      string // the directory on the server, as u may see it
	Host      string
	Port      int
	Login     string // empty: no FTP access
	Directory string // the remote directory: the FTP root is the recorder's own
	// SFTP: the embedded SFTP server's port and host key fingerprints
	// (none: it does not run); SFTPKey tells that the recorder may log in
	// with a key instead of its password.
	SFTPPort     int
	SFTPHostKeys []string
	SFTPKey      bool
}

func (s *Server) deposit(u *lectern.User, r *lectern.Recorder) deposit {
	d := deposit{Path: s.shownPath(u, filepath.Join(s.recorderRoot(), r.Directory)), Host: s.cfg.FTPHost,
		Port: s.cfg.FTPPort, Directory: "/"}
	if u == nil || !u.IsSuperuser {
		d.Path += "/"
	}
	if r.HasFTP() {
		d.Login = r.CredentialsLogin
		d.SFTPPort, d.SFTPHostKeys, d.SFTPKey = s.cfg.SFTPPort, s.cfg.SFTPHostKeys, r.SFTPAuthorizedKeys != ""
	}
	return d
}

// shownPath is the file or folder path at p as u may see it: whole for a
// superuser; for anyone else, relative to DEFAULT_RECORDER_PATH (issue
// 11: host paths only to superusers), or its base name when outside it.
// A relative p (typed by the visitor) is shown as it is.
func (s *Server) shownPath(u *lectern.User, p string) string {
	if (u != nil && u.IsSuperuser) || !filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(s.recorderRoot(), p)
	if err != nil || !filepath.IsLocal(rel) {
		return filepath.Base(p)
	}
	return rel
}
