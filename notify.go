package lectern

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Pod's notify answers, byte for byte: recorders and scripts compare them.
const (
	NotifyOK           = "ok"
	NotifyAuto         = "auto"
	NotifyMissing      = "nok: recordingPlace or mediapath or key are missing"
	NotifyNoRecorder   = "nok: address_ip not valid or recorder not found in this site"
	NotifyBadKey       = "nok: key is not valid"
	NotifyBadMediapath = "nok: mediapath is not valid or names no file of this recorder"
	NotifyNotReady     = "nok: the file is not complete yet"
	// NotifyStillWriting answers a notify for a file that is not
	// Lectern's own upload and changed within the Notifier's Quiescence
	// (Lectern's own answer, not Pod's).
	NotifyStillWriting  = "nok: the file is still being written"
	NotifyInternalError = "nok: internal error"
)

// NotifyKey is Pod's notify key: the hex MD5 of recordingPlace exactly as
// sent (the IP with underscores) followed by the recorder's salt.
func NotifyKey(recordingPlace, salt string) string {
	sum := md5.Sum([]byte(recordingPlace + salt))
	return hex.EncodeToString(sum[:])
}

// Notifier answers the notify URL (/record/recorder_notify/ and
// /mediacourses_notify/) that recorders and Pod's cron command call.
type Notifier struct {
	Root       string // DEFAULT_RECORDER_PATH
	Recorders  RecorderService
	Treatments TreatmentService
	Intake     *Intake
	Router     *Router
	Logger     *slog.Logger

	// Quiescence is how long a file that is not yet a treatment (not
	// Lectern's own upload: an outside FTP server's, a copy) must have
	// been left unchanged, by its modification time, to be taken:
	// RECORDER_QUIESCENCE, the directory watcher's rule (10 s when zero).
	// A file changed more recently is answered NotifyStillWriting at
	// once, nothing made of it: a writer may pause for seconds between
	// pieces, and the request is not held for the quiet period. The
	// watcher takes the file once it is quiet, so nothing is lost.
	Quiescence time.Duration
}

// Notify checks the request and moves the deposit on; it returns the
// answer to send as text/plain. A file that exists in the recorder's
// directory and is not yet a treatment is taken as complete: the
// recorder says so.
func (n *Notifier) Notify(ctx context.Context, recordingPlace, mediapath, key, courseTitle string) string {
	if recordingPlace == "" || mediapath == "" || key == "" {
		return NotifyMissing
	}
	ip := strings.ReplaceAll(recordingPlace, "_", ".")
	rec, err := FindRecorder(ctx, n.Recorders, RecorderFilter{AddressIP: &ip})
	if err != nil {
		if ErrorCode(err) != ENOTFOUND {
			n.logger().Error("notify: find recorder", "ip", ip, "err", err)
			return NotifyInternalError
		}
		return NotifyNoRecorder
	}
	want := NotifyKey(recordingPlace, rec.Salt)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(key)), []byte(want)) != 1 {
		return NotifyBadKey
	}
	log := n.logger().With("recorder", rec.Name, "mediapath", mediapath)
	p := mediapath
	if !filepath.IsAbs(p) {
		p = filepath.Join(n.Root, rec.Directory, p)
	}
	path, dir, _, err := ResolveDeposit(n.Root, p)
	if err != nil || dir != rec.Directory {
		log.Warn("notify: mediapath refused", "err", err, "dir", dir)
		return NotifyBadMediapath
	}
	var t *Treatment
	if ts, _, err := n.Treatments.FindTreatments(ctx, TreatmentFilter{File: &path}); err != nil {
		log.Error("notify: find treatment", "err", err)
		return NotifyInternalError
	} else if fi, serr := os.Stat(path); len(ts) == 1 && (serr != nil || !ts[0].Superseded(fi)) {
		t = ts[0]
	} else {
		// Not a treatment yet, or a new file under a published deposit's
		// name: not Lectern's own upload, so it may still be written. One
		// that Lectern's FTP server holds is refused at once.
		if in := n.Intake; in.Sightings != nil {
			if sg, err := in.Sightings.FindSighting(ctx, path); err == nil && sg.Held {
				return NotifyNotReady
			}
		}
		if serr != nil {
			log.Warn("notify: file gone", "err", serr)
			return NotifyBadMediapath
		} else if age := time.Since(fi.ModTime()); age < n.quiescence() {
			log.Warn("notify: file still being written", "changed_ago", age, "quiescence", n.quiescence())
			return NotifyStillWriting
		}
		t, _, err = n.Intake.Complete(ctx, Deposit{Path: path, Source: SourceNotify})
		if err != nil {
			log.Warn("notify: deposit refused", "err", err)
			return NotifyBadMediapath
		}
		if t == nil { // temporary name, empty file, or an upload still held
			return NotifyNotReady
		}
	}
	answer, err := n.Router.Dispatch(ctx, t, courseTitle)
	if err != nil {
		log.Error("notify: route", "treatment_id", t.ID, "err", err)
		return NotifyInternalError
	}
	return answer
}

func (n *Notifier) quiescence() time.Duration {
	if n.Quiescence <= 0 {
		return 10 * time.Second
	}
	return n.Quiescence
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Logger
}
