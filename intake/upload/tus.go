package upload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"lectern"
	"lectern/httpjson"
)

// Metadata keys of a tus upload. Clients send "filename" and "recorder";
// the server replaces the metadata at creation with the cleaned name, the
// recorder's id, who created the upload (and whether a superuser) and
// when.
const (
	metaFilename  = "filename"
	metaRecorder  = "recorder"
	metaUser      = "lectern_user"
	metaSuperuser = "lectern_superuser"
	metaStarted   = "lectern_started"
)

// uploadID is the form of the ids tusd's filestore gives uploads; any
// other id names nothing, and never reaches the store (whose paths are
// made from ids).
var uploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// tusServer is the tus protocol side: tusd's handler over a filestore in
// TempDir/tus with in-memory locks (one Lectern process serves uploads).
type tusServer struct {
	h      *Handler
	dir    string
	store  filestore.FileStore
	locker *memorylocker.MemoryLocker
	tusd   http.Handler
}

func newTusServer(h *Handler) (*tusServer, error) {
	s := &tusServer{h: h, dir: filepath.Join(h.cfg.TempDir, "tus"), locker: memorylocker.New()}
	if err := os.MkdirAll(s.dir, dirPerm); err != nil {
		return nil, fmt.Errorf("upload: create tus directory: %w", err)
	}
	s.store = filestore.New(s.dir)
	s.store.DirModePerm, s.store.FileModePerm = dirPerm, filePerm
	composer := tushandler.NewStoreComposer()
	composer.UseCore(s.store)
	composer.UseTerminater(s.store)
	composer.UseLengthDeferrer(s.store)
	composer.UseLocker(s.locker)
	base := strings.TrimSuffix(h.cfg.BaseURL, "/") + tusPath
	th, err := tushandler.NewHandler(tushandler.Config{
		StoreComposer:             composer,
		MaxSize:                   h.cfg.MaxSize,
		BasePath:                  base,
		DisableDownload:           true, // files are read where they land, not here
		DisableConcatenation:      true,
		Cors:                      &tushandler.CorsConfig{Disable: true}, // same origin, like the API
		PreUploadCreateCallback:   s.preCreate,
		PreFinishResponseCallback: s.preFinish,
		Logger: xslog.New(xslog.NewTextHandler(logWriter{h.logger}, &xslog.HandlerOptions{
			Level: xslog.LevelError,
			ReplaceAttr: func(groups []string, a xslog.Attr) xslog.Attr {
				if len(groups) == 0 && (a.Key == xslog.TimeKey || a.Key == xslog.LevelKey) {
					return xslog.Attr{} // the outer logger has its own
				}
				return a
			},
		})),
	})
	if err != nil {
		return nil, fmt.Errorf("upload: tus handler: %w", err)
	}
	s.tusd = http.StripPrefix(strings.TrimSuffix(tusPath, "/"), th)
	return s, nil
}

// logWriter passes the errors tusd logs, one text line each, to Lectern's
// logger; tusd's request logs (info level) are not written at all. They
// are warnings: most are a client's broken connection, and the failures
// of Lectern's own hooks are logged where they happen.
type logWriter struct{ logger *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.logger.Warn("tus request failed", "detail", strings.TrimSpace(string(p)))
	return len(p), nil
}

// serve checks that the upload a request names exists and belongs to u
// (or u is a superuser), finishes a complete upload that was not finished
// (its last answer lost, or the server stopped in between), and hands the
// rest to tusd.
func (s *tusServer) serve(w http.ResponseWriter, r *http.Request, u *lectern.User) {
	method := r.Method
	if m := r.Header.Get("X-HTTP-Method-Override"); method == http.MethodPost && m != "" {
		method = m // as tusd reads it
	}
	id := strings.Trim(strings.TrimPrefix(r.URL.Path, tusPath), "/")
	if id == "" {
		if method == http.MethodPost && s.overLimit(0, r) { // creation with a first chunk
			s.h.writeError(w, r, tooLarge(s.h.cfg.MaxSize))
			return
		}
		s.tusd.ServeHTTP(w, r)
		return
	}
	if !uploadID.MatchString(id) {
		s.h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Upload not found."))
		return
	}
	if d, err := s.readDone(id); err == nil {
		if !owns(u, d.User) {
			s.h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Upload not found."))
			return
		}
		s.answerDone(w, r, d)
		return
	}
	info, err := s.info(r.Context(), id)
	if errors.Is(err, tushandler.ErrNotFound) {
		s.h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Upload not found."))
		return
	} else if err != nil {
		s.h.writeError(w, r, err)
		return
	}
	if !owns(u, info.MetaData[metaUser]) {
		s.h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Upload not found."))
		return
	}
	if complete(info) && (method == http.MethodHead || method == http.MethodPatch) {
		d, err := s.finishLocked(r.Context(), id, u)
		if err != nil {
			s.h.writeError(w, r, err)
			return
		}
		s.answerDone(w, r, d)
		return
	}
	now := s.h.now()
	if expired, err := s.expired(id, now); err != nil {
		s.h.writeError(w, r, err)
		return
	} else if expired {
		if _, err := s.expire(r.Context(), id, now); err != nil {
			s.h.writeError(w, r, err)
			return
		}
		s.h.writeError(w, r, &httpjson.Error{Status: http.StatusGone, Detail: fmt.Sprintf(
			"The upload expired: it received nothing for %s (UPLOAD_EXPIRY), and was removed. Start it again.", s.h.cfg.Expiry)})
		return
	}
	if method == http.MethodPatch && s.overLimit(info.Offset, r) {
		s.h.writeError(w, r, tooLarge(s.h.cfg.MaxSize))
		return
	}
	switch method {
	case http.MethodPatch:
		s.setExpires(w, now)
	case http.MethodHead:
		if at, err := s.lastActive(id); err == nil {
			s.setExpires(w, at)
		}
	}
	s.tusd.ServeHTTP(w, r)
}

// overLimit reports whether the body of r, appended at offset, would take
// an upload past RECORDING_FILE_MAX_SIZE. tusd checks a declared
// Upload-Length against it, but not the Content-Length of a chunk sent to
// an upload whose length is deferred (Upload-Defer-Length, or the
// resumable-uploads draft's Upload-Complete, which then takes the bytes
// received as the length): there it takes the Content-Length as the
// bound. A body of unknown length (chunked) is bounded by tusd at the
// limit.
func (s *tusServer) overLimit(offset int64, r *http.Request) bool {
	return s.h.cfg.MaxSize > 0 && r.ContentLength > 0 && r.ContentLength > s.h.cfg.MaxSize-offset
}

// owns reports whether u may touch an upload created by the user whose id
// is creator.
func owns(u *lectern.User, creator string) bool {
	return u.IsSuperuser || creator == strconv.FormatInt(u.ID, 10)
}

func complete(info tushandler.FileInfo) bool {
	return !info.SizeIsDeferred && info.Offset == info.Size
}

// info reads an upload's state from the store.
func (s *tusServer) info(ctx context.Context, id string) (tushandler.FileInfo, error) {
	up, err := s.store.GetUpload(ctx, id)
	if err != nil {
		return tushandler.FileInfo{}, err
	}
	return up.GetInfo(ctx)
}

// preCreate validates a new upload: an existing recorder the user
// manages, an accepted file name, not empty. tusd has checked a declared
// size against MaxSize already (serve bounds the bytes of a deferred one).
func (s *tusServer) preCreate(hook tushandler.HookEvent) (tushandler.HTTPResponse, tushandler.FileInfoChanges, error) {
	var none tushandler.FileInfoChanges
	u := userFrom(hook.Context)
	if u == nil { // ServeHTTP authenticates every request first
		return tushandler.HTTPResponse{}, none, s.h.tusError(hook, errors.New("tus upload without a user"))
	}
	meta := hook.Upload.MetaData
	f := lectern.FieldErrors{}
	rec, err := s.h.managedRecorder(hook.Context, u, meta[metaRecorder])
	if err != nil {
		if lectern.ErrorCode(err) != lectern.EINVALID { // not theirs (403), or the store failed
			return tushandler.HTTPResponse{}, none, s.h.tusError(hook, err)
		}
		f.Add("recorder", lectern.ErrorFields(err)["recorder"])
	}
	name, err := s.h.checkName(meta[metaFilename])
	if err != nil {
		f.Add("filename", lectern.ErrorFields(err)["file"])
	}
	if !hook.Upload.SizeIsDeferred && hook.Upload.Size == 0 {
		f.Add("filename", "The submitted file is empty.")
	}
	if err := f.Err("create upload"); err != nil {
		return tushandler.HTTPResponse{}, none, s.h.tusError(hook, err)
	}
	expires := tushandler.HTTPHeader{"Upload-Expires": s.expires(s.h.now())}
	return tushandler.HTTPResponse{Header: expires}, tushandler.FileInfoChanges{MetaData: tushandler.MetaData{
		metaFilename:  name,
		metaRecorder:  strconv.FormatInt(rec.ID, 10),
		metaUser:      strconv.FormatInt(u.ID, 10),
		metaSuperuser: strconv.FormatBool(u.IsSuperuser),
		metaStarted:   s.h.now().Format(time.RFC3339Nano),
	}}, nil
}

// preFinish runs when the last byte of an upload has arrived, inside the
// request that sent it and under the upload's lock: the file is deposited
// before the client hears that its upload is complete. The answer names
// the recording file and treatment in headers (tus answers PATCH with 204
// No Content).
func (s *tusServer) preFinish(hook tushandler.HookEvent) (tushandler.HTTPResponse, error) {
	d, err := s.finish(hook.Context, hook.Upload.ID, userFrom(hook.Context))
	if err != nil {
		return tushandler.HTTPResponse{}, s.h.tusError(hook, err)
	}
	return tushandler.HTTPResponse{Header: d.headers()}, nil
}

// finishLocked takes the upload's lock, as tusd does for each request, and
// finishes it for u (see finish). A request still writing to the upload is
// asked to stop.
func (s *tusServer) finishLocked(ctx context.Context, id string, u *lectern.User) (*done, error) {
	lock, err := s.locker.NewLock(id)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := lock.Lock(lctx, func() {}); err != nil {
		return nil, &httpjson.Error{Status: http.StatusLocked, Detail: "The upload is busy: try again."}
	}
	defer lock.Unlock()
	if d, err := s.readDone(id); err == nil { // finished while we waited
		return d, nil
	}
	return s.finish(ctx, id, u)
}

// finish deposits a complete upload, writes its tombstone (so that a client
// whose last answer was lost still learns that it is complete), then
// removes the upload's files. The caller holds the upload's lock. Each step
// can be run again after a crash.
//
// Who manages the recorder is checked again here, as at creation: the
// manager may have removed the uploader meanwhile (an upload can last
// days), and a file finished then would become a deposit of a recorder
// that is no longer theirs. u is the user of the request that sends the
// last byte (or asks about a complete upload), nil on recovery; the
// upload is refused (EFORBIDDEN) and its files removed.
func (s *tusServer) finish(ctx context.Context, id string, u *lectern.User) (*done, error) {
	info, err := s.info(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("finish upload %s: %w", id, err)
	}
	meta := info.MetaData
	userID, err1 := strconv.ParseInt(meta[metaUser], 10, 64)
	started, err2 := time.Parse(time.RFC3339Nano, meta[metaStarted])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("finish upload %s: bad metadata: %w", id, err)
	}
	src := filepath.Join(s.dir, id)
	if max := s.h.cfg.MaxSize; max > 0 && info.Size > max { // never, after the checks in serve
		s.remove(id)
		return nil, tooLarge(max)
	}
	rec, err := s.h.findRecorder(ctx, meta[metaRecorder])
	if err != nil {
		if lectern.ErrorCode(err) == lectern.EINVALID { // deleted during the upload
			s.remove(id)
			return nil, &lectern.Error{Op: "finish upload", Code: lectern.ECONFLICT,
				Message: "The recorder was deleted during the upload: the file was not kept."}
		}
		return nil, err
	}
	if owner := uploader(meta, userID, u); !rec.ManagedBy(owner) {
		s.remove(id)
		s.h.logger.Warn("upload refused at its end: recorder no longer managed", "upload_id", id, "user_id", userID,
			"recorder_id", rec.ID)
		return nil, lectern.Errorf(lectern.EFORBIDDEN,
			"You no longer manage recorder %d or help with it: the upload was refused and its file removed.", rec.ID)
	}
	if err := syncFile(src); err != nil {
		return nil, err
	}
	rf, t, err := s.h.deposit(ctx, src, rec, meta[metaFilename], userID, started)
	if err != nil {
		return nil, err
	}
	d := &done{ID: id, Size: info.Size, User: meta[metaUser], RecordingFile: rf.ID, Treatment: t.ID, Finished: s.h.now()}
	if err := s.writeDone(d); err != nil {
		return nil, err
	}
	s.remove(id)
	return d, nil
}

// uploader is the user an upload is for, as well as it is known when it
// finishes: u, read from its token by this request, when it is the
// creator; else (a superuser finishing someone's upload, or Recover,
// without a request) the creator's id with the superuser flag it had at
// creation.
func uploader(meta tushandler.MetaData, creator int64, u *lectern.User) *lectern.User {
	if u != nil && u.ID == creator {
		return u
	}
	super, _ := strconv.ParseBool(meta[metaSuperuser])
	return &lectern.User{ID: creator, IsSuperuser: super, IsStaff: true, IsActive: true}
}

// remove deletes an upload's data and .info files.
func (s *tusServer) remove(id string) {
	for _, p := range []string{filepath.Join(s.dir, id), filepath.Join(s.dir, id+".info")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.h.logger.Warn("remove tus upload file", "path", p, "err", err)
		}
	}
}
