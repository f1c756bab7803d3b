package lectern

import (
	"context"
	"io/fs"
	"time"
)

// Treatment states. A treatment is created exactly once per deposited file,
// already routed (InitialState); later stages move it on.
const (
	// TreatmentToNotify: the recorder has a manager, who is to be mailed a
	// link to the add form.
	TreatmentToNotify = "to_notify"
	// TreatmentNotified: the manager was mailed.
	TreatmentNotified = "notified"
	// TreatmentToPublish: the recorder publishes automatically; the
	// recording is to be created for the manager.
	TreatmentToPublish = "to_publish"
	// TreatmentToClaim: no manager, claiming is on; the deposit waits in
	// the claim list (require_manual_claim).
	TreatmentToClaim = "to_claim"
	// TreatmentToReport: no recorder, or no manager and claiming off; the
	// admins are to be told, once.
	TreatmentToReport = "to_report"
	// TreatmentReported: the admins were told.
	TreatmentReported = "reported"
	// TreatmentIgnored: not a deposit (wrong or no extension), kept so
	// that it is reported once, not on every scan.
	TreatmentIgnored = "ignored"
	// TreatmentMissing: the file vanished or changed before it was
	// published.
	TreatmentMissing = "missing"
	// TreatmentPublished: a recording was made from it.
	TreatmentPublished = "published"
	// TreatmentToAssemble: a part of a recording split into several
	// files (RECORDING_PART_PATTERN); it waits for the others, neither
	// mailed, claimed nor published alone, until the assembly pass makes
	// the whole group one deposit (PartAssembler).
	TreatmentToAssemble = "to_assemble"
	// TreatmentAssembling: a part an assembly pass has taken; for one
	// node only (TransitionTreatment from TreatmentToAssemble).
	TreatmentAssembling = "assembling"
)

// TreatmentStates lists every state, in the order a deposit goes through
// them.
var TreatmentStates = []string{TreatmentToNotify, TreatmentNotified, TreatmentToPublish, TreatmentToClaim,
	TreatmentToReport, TreatmentReported, TreatmentIgnored, TreatmentMissing, TreatmentPublished, TreatmentToAssemble, TreatmentAssembling}

// TreatmentRoutingStates are the states a treatment waits in for the
// Router (to notify, to publish, to report).
var TreatmentRoutingStates = []string{TreatmentToNotify, TreatmentToPublish, TreatmentToReport}

// Treatment is Pod's RecordingFileTreatment: one row per deposited file,
// with the times that show each deposit's detection latency.
type Treatment struct {
	ID                 int64     `json:"id"`
	File               string    `json:"file"` // absolute path
	FileSize           int64     `json:"file_size"`
	RecorderID         *int64    `json:"recorder"` // nil: no recorder found
	Type               string    `json:"type"`     // the recorder's recording type
	RequireManualClaim bool      `json:"require_manual_claim"`
	EmailSent          bool      `json:"email_sent"`
	DateEmailSent      time.Time `json:"date_email_sent"`
	State              string    `json:"state"`
	Reason             string    `json:"reason"`      // why ignored, missing or reported
	DetectedBy         string    `json:"detected_by"` // a Source* constant
	DateAdded          time.Time `json:"date_added"`
	FirstSeenAt        time.Time `json:"first_seen_at"`
	CompletedAt        time.Time `json:"completed_at"`
	RoutedAt           time.Time `json:"routed_at"`
	// FileIno and FileModTime identify the file when it was found complete
	// (FileIdentity): a rename keeps both, so the treatment follows its
	// file; another file at the same path has others. Zero for treatments
	// made before they were stored.
	FileIno     uint64    `json:"-"`
	FileModTime time.Time `json:"-"`
	// EventID is the scheduled event the deposit was recorded in (its
	// owner, title and date route it); nil when none matched.
	EventID *int64 `json:"event"`
	// Parts, for a deposit made of several files (an Opencast media
	// package's tracks, a recording split into parts), lists them all in
	// the order they are joined, File being the first; nil for a deposit
	// of one file. A part's file belongs to its treatment: no other
	// treatment is made of it (TreatmentFilter.File matches it too).
	Parts []TreatmentPart `json:"parts,omitempty"`
}

// Track flavors, Opencast's names for what a part of a deposit shows.
const (
	// FlavorPresenter is the camera (or the only) video: the recording's
	// video.
	FlavorPresenter = "presenter/source"
	// FlavorPresentation is the screen capture: kept and shown beside the
	// presenter.
	FlavorPresentation = "presentation/source"
)

// TreatmentPart is one file of a deposit made of several.
type TreatmentPart struct {
	// Position orders the parts of one flavor (1, 2, …): they are joined
	// in that order.
	Position int    `json:"position"`
	Flavor   string `json:"flavor"` // a Flavor* constant
	File     string `json:"file"`   // absolute path
	Size     int64  `json:"size"`
}

// PartsOf returns the deposit's parts of one flavor, in order.
func (t *Treatment) PartsOf(flavor string) []TreatmentPart {
	var out []TreatmentPart
	for _, p := range t.Parts {
		if p.Flavor == flavor {
			out = append(out, p)
		}
	}
	return out
}

// Waiting reports whether the deposit waits for a person (a mail, a
// claim, an admin): its file is still its own, and where it is renamed or
// moved the treatment follows.
func (t *Treatment) Waiting() bool {
	switch t.State {
	case TreatmentToNotify, TreatmentNotified, TreatmentToClaim, TreatmentToReport, TreatmentReported:
		return true
	}
	return false
}

// Superseded reports whether fi, the file now at t.File, is another file
// than the one t was made of, in which case it is a new deposit: t is
// published (its file moved into media storage) or missing (its file
// deleted), and the file's identity, size or modification time differ.
// The file of a published deposit still waiting to be moved is the same
// file, never a new one. For a treatment without a stored identity, a file
// modified after the deposit was found complete is another file.
func (t *Treatment) Superseded(fi fs.FileInfo) bool {
	if t.State != TreatmentPublished && t.State != TreatmentMissing {
		return false
	}
	ino, mod := FileIdentity(fi)
	if t.FileIno != 0 {
		return ino != t.FileIno || !mod.Equal(t.FileModTime) || fi.Size() != t.FileSize
	}
	return fi.Size() != t.FileSize || (!t.CompletedAt.IsZero() && mod.After(t.CompletedAt))
}

// Latency is the time from the file's first sighting to its detection as
// complete; for an upload through Lectern's own servers it is the time from
// the upload's start.
func (t *Treatment) Latency() time.Duration {
	if t.FirstSeenAt.IsZero() || t.CompletedAt.IsZero() {
		return 0
	}
	return t.CompletedAt.Sub(t.FirstSeenAt)
}

// InitialState is the rule that decides where a new deposit goes, by its
// recorder (nil when none was found) and ALLOW_MANUAL_RECORDING_CLAIMING
// (Pod's rule): the state its treatment starts in, which the Router then
// acts on (Router.Dispatch).
func InitialState(rec *Recorder, allowClaiming bool) (state string, requireManualClaim bool) {
	switch {
	case rec == nil:
		return TreatmentToReport, false
	case rec.UserID != nil && rec.PublicationAuto:
		return TreatmentToPublish, false
	case rec.UserID != nil:
		return TreatmentToNotify, false
	case allowClaiming:
		return TreatmentToClaim, true
	}
	return TreatmentToReport, false
}

// TreatmentDeletion records that a person deleted a waiting deposit (its
// file and its treatment), so that the mail's link, opened again, says
// who did and when.
type TreatmentDeletion struct {
	File       string    // one of the names the file had, absolute
	RecorderID *int64    // nil: the deposit had no recorder
	DeletedBy  *int64    // nil: the account is gone
	DeletedAt  time.Time // UTC
}

// TreatmentFilter selects treatments; zero fields match everything.
type TreatmentFilter struct {
	ID         *int64
	File       *string // the treatment's file or one of its parts' files
	EventID    *int64
	FileIno    *uint64 // the treatments made of the file with this inode number
	FormerFile *string // whose file had this name before a rename (MoveTreatment)
	RecorderID *int64
	// Member: of a recorder the user manages or helps with, or recorded
	// in an event the user owns.
	Member *int64
	// For: the deposits that are the user's to publish: of a recorder
	// they manage or help with, unless recorded in an event someone
	// owns, and those recorded in an event they own (routing by
	// schedule).
	For    *int64
	State  *string
	States []string // any of these states (with State: both must hold)
	Search string   // file name, case-insensitive
	// SearchBelow, when set, is the folder (DEFAULT_RECORDER_PATH) below
	// which Search matches the file's path: staff, who see paths relative
	// to it, do not learn the folders above by searching them.
	SearchBelow string
	Page        Page
}

// TreatmentService stores treatments.
type TreatmentService interface {
	// CreateTreatment inserts t unless a treatment for t.File exists: it
	// reports whether it inserted, and fills t with the stored row either
	// way. Safe to call from every detection path at once: exactly one
	// caller gets created == true.
	CreateTreatment(ctx context.Context, t *Treatment) (created bool, err error)
	// FindTreatmentByID returns ENOTFOUND when no treatment has that id.
	FindTreatmentByID(ctx context.Context, id int64) (*Treatment, error)
	// FindTreatments returns one page of matching treatments, newest
	// first, and the number of all matching treatments.
	FindTreatments(ctx context.Context, filter TreatmentFilter) ([]*Treatment, int, error)
	// CountTreatments returns the number of matching treatments (the
	// filter's Page is ignored): one COUNT, for the dashboard's tiles.
	CountTreatments(ctx context.Context, filter TreatmentFilter) (int, error)
	// UpdateTreatment saves the mutable fields (file size, state, reason,
	// require_manual_claim, email_sent, date_email_sent, routed_at, the
	// file's identity); ENOTFOUND.
	UpdateTreatment(ctx context.Context, t *Treatment) error
	// MoveTreatment records that the file of treatment id was renamed from
	// from to to (the recording file of an HTTP upload with it), in one
	// transaction. ENOTFOUND when the treatment's file is not from (it
	// moved meanwhile, or was deleted); ECONFLICT when another treatment
	// already has to. The treatment keeps from as a former name
	// (TreatmentFilter.FormerFile).
	MoveTreatment(ctx context.Context, id int64, from, to string) error
	// TransitionTreatment moves the treatment from state from to state to
	// and, when msg is not nil, stores msg in the outbox (setting its ID,
	// State and CreatedAt) and records the email as sent to the manager
	// (email_sent, date_email_sent) and enqueues its delivery
	// (SendMailArgs), all in one transaction. It reports
	// false, changing nothing, when the treatment is not in state from.
	TransitionTreatment(ctx context.Context, id int64, from, to string, msg *Message) (bool, error)
	// DeleteTreatment removes the row (not the file); ENOTFOUND.
	DeleteTreatment(ctx context.Context, id int64) error
	// DeleteTreatmentBy removes the row as DeleteTreatment does and, in
	// the same transaction, records that user by deleted it now, under
	// the file's name and every name it had before (FindDeletion);
	// ENOTFOUND.
	DeleteTreatmentBy(ctx context.Context, id, by int64) error
	// FindDeletion returns the newest deletion of a deposit of recorder
	// recorderID whose file had one of the names files; ENOTFOUND when
	// none was deleted so.
	FindDeletion(ctx context.Context, recorderID int64, files []string) (*TreatmentDeletion, error)
	// TreatedFiles returns the set of files that belong to a treatment,
	// for scans that must skip known files quickly: every file with a
	// treatment except published and missing ones, whose file was moved
	// away or deleted, so that a file at such a path now is looked at
	// (Intake.Complete tells a new deposit from the old file with
	// Treatment.Superseded).
	TreatedFiles(ctx context.Context) (map[string]struct{}, error)
}
