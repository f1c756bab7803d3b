package upload

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"lectern"
	"lectern/httpjson"
)

// formOverhead is what a multipart body may hold beside the file: the
// recorder field, part headers and boundaries.
const formOverhead = 1 << 20

// maxFieldSize bounds a form field other than the file.
const maxFieldSize = 1024

// handleMultipart serves POST /api/v1/recording-files: multipart/form-data
// with "recorder" (an id) and "file", in either order. The body is read
// part by part with a multipart.Reader and the file copied to a temporary
// file in TempDir, 32 KiB at a time: never the whole form in memory, as
// Request.ParseMultipartForm would do up to its memory limit. A wrong
// recorder or extension seen before the file's bytes stops the upload
// before they are read. Answers 201 with the recording file and its
// treatment. A body that stalls is cut off by the wrapper cmd/lectern
// puts around the handler (httplimit, HTTP_UPLOAD_STALL_TIMEOUT).
func (h *Handler) handleMultipart(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	started := h.now()
	if h.cfg.MaxSize > 0 {
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxSize+formOverhead)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return &lectern.Error{Op: "upload", Code: lectern.EINVALID,
			Message: "Send multipart/form-data with the fields \"recorder\" and \"file\"."}
	}
	var (
		rec  *lectern.Recorder
		name string
		tmp  *os.File
		size int64
	)
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return bodyError(err)
		}
		switch part.FormName() {
		case "recorder":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldSize))
			if err != nil {
				return bodyError(err)
			}
			if rec, err = h.managedRecorder(r.Context(), u, string(b)); err != nil {
				return err
			}
		case "file":
			if tmp != nil {
				return fileError("Send one file per request.")
			}
			if name, err = h.checkName(part.FileName()); err != nil {
				return err
			}
			if tmp, err = os.CreateTemp(h.cfg.TempDir, multipartPattern); err != nil {
				return fmt.Errorf("create upload file: %w", err)
			}
			if size, err = h.copyPart(tmp, part); err != nil {
				return err
			}
		default: // unknown fields are skipped, within the body's limit
			if _, err := io.Copy(io.Discard, part); err != nil {
				return bodyError(err)
			}
		}
		part.Close()
	}
	f := lectern.FieldErrors{}
	if rec == nil {
		f.Add("recorder", "This field is required.")
	}
	if tmp == nil {
		f.Add("file", "No file was submitted.")
	} else if size == 0 {
		f.Add("file", "The submitted file is empty.")
	}
	if err := f.Err("upload"); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close upload: %w", err)
	}
	rf, t, err := h.deposit(r.Context(), tmp.Name(), rec, name, u.ID, started)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/api/v1/recording-files/%d", strings.TrimSuffix(h.cfg.BaseURL, "/"), rf.ID))
	httpjson.Write(httpjson.InLocation(w, h.cfg.Location), http.StatusCreated, h.shownTo(u, rec, rf, t))
	return nil
}

// shownTo is the answer to an upload as u sees it, as the API shows
// recording files: the paths relative to the recorder's directory for all
// but superusers.
func (h *Handler) shownTo(u *lectern.User, rec *lectern.Recorder, rf *lectern.RecordingFile, t *lectern.Treatment) recordingFileBody {
	if u.IsSuperuser {
		return newRecordingFileBody(rf, t)
	}
	f, tc := *rf, *t
	f.File = lectern.RelativePath(h.cfg.Root, rec.Directory, rf.File)
	tc.File = lectern.RelativePath(h.cfg.Root, rec.Directory, t.File)
	return newRecordingFileBody(&f, &tc)
}

// multipartPattern names the temporary files of multipart uploads in
// TempDir.
const multipartPattern = "multipart-*.part"

// copyPart streams the file part into tmp, refusing more than MaxSize
// bytes.
func (h *Handler) copyPart(tmp *os.File, part *multipart.Part) (int64, error) {
	var src io.Reader = part
	if h.cfg.MaxSize > 0 {
		src = io.LimitReader(part, h.cfg.MaxSize+1)
	}
	n, err := io.Copy(tmp, src)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // the disk, not the client
			return n, fmt.Errorf("write upload: %w", err)
		}
		return n, bodyError(err)
	}
	if h.cfg.MaxSize > 0 && n > h.cfg.MaxSize {
		return n, tooLarge(h.cfg.MaxSize)
	}
	return n, nil
}

// bodyError explains a failure to read the request body.
func bodyError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &httpjson.Error{Status: http.StatusRequestEntityTooLarge, Detail: "The request body is too large."}
	}
	if strings.Contains(err.Error(), "multipart") {
		return &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: "Malformed multipart body.", Err: err}
	}
	return &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: "The upload broke off before its end.", Err: err}
}

func tooLarge(max int64) error {
	return &httpjson.Error{Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("The file is larger than the limit of %d bytes (RECORDING_FILE_MAX_SIZE).", max)}
}

func fileError(msg string) error {
	return &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
}
