package lectern

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Recorder health answers "my recorder doesn't send anything": whether it
// ever reached Lectern, whether its logins fail and why, whether it sent
// files and what became of them. The edges report each login
// (LoginAttempt) to a ContactLog, which keeps them in memory and writes
// a summary per recorder (RecorderContact: its last login, its last
// failure) at most once per interval, never a row per attempt, so that an
// attacker hammering the FTP port costs no write per guess. A failure for
// a login no recorder has is kept per login tried (LoginFailure), the
// LoginFailuresKept most recent only.

// Ways a recorder makes contact (LoginAttempt.Via).
const (
	ContactFTP    = "ftp"    // the embedded FTP server
	ContactNotify = "notify" // Pod's notify URL
	ContactAgent  = "agent"  // the Opencast capture-agent endpoints
)

// Why a login was refused (LoginAttempt.Reason), stored and shown
// translated ("recorder.health.reason.<reason>").
const (
	LoginUnknown        = "unknown_login"   // no recorder has this login
	LoginNoPassword     = "no_password"     // the recorder has no FTP password
	LoginWrongPassword  = "wrong_password"  // the password does not match
	LoginThrottled      = "throttled"       // too many failures from the address
	LoginRefusedAddress = "refused_address" // not the recorder's address (FTP_CHECK_RECORDER_IP)
	LoginTLSRequired    = "tls_required"    // USER before AUTH TLS (FTP_REQUIRE_TLS)
	LoginBadKey         = "bad_key"         // a notify whose key is wrong
	LoginBadDigest      = "bad_digest"      // a Digest login against its rules (a replayed nonce, the wrong realm)
)

// ContactVias lists every way, and LoginReasons every reason, for the
// catalogs' tests.
var ContactVias = []string{ContactFTP, ContactNotify, ContactAgent}

// LoginReasons lists every reason.
var LoginReasons = []string{LoginUnknown, LoginNoPassword, LoginWrongPassword, LoginThrottled,
	LoginRefusedAddress, LoginTLSRequired, LoginBadKey, LoginBadDigest}

// Bounds of what is kept of the logins tried.
const (
	// LoginShownMax bounds a login tried as stored and shown, in
	// characters (once control characters are written as escapes).
	LoginShownMax = 64
	// LoginFailuresKept bounds the failures for unknown logins kept: the
	// most recent ones.
	LoginFailuresKept = 100
	// ContactLogMaxPending bounds the logins tried a ContactLog holds
	// between two writes (twice what is kept: a write stays small);
	// beyond, new ones are dropped (counted in the log), recorders' own
	// never are.
	ContactLogMaxPending = 2 * LoginFailuresKept
)

// LoginAttempt is one login to Lectern by a recorder, or by someone
// pretending to be one, as an edge reports it.
type LoginAttempt struct {
	// RecorderID is the recorder the edge found; 0 when it did not look
	// it up (a throttled attempt): the store then finds it by Login.
	RecorderID int64
	Login      string // the login tried (CleanLogin applied when stored)
	Addr       string // the client's IP address, without port
	Via        string // a Contact* constant
	At         time.Time
	Reason     string // a Login* constant; empty: the login succeeded
}

// RecorderContact is what is kept of a recorder's logins: its last
// success and its last failure.
type RecorderContact struct {
	RecorderID int64
	LoginAt    time.Time // zero: never logged in
	LoginAddr  string
	LoginVia   string
	FailureAt  time.Time // zero: never failed
	// FailureLogin is the login tried: the recorder's own login, or
	// another login from the recorder's address (AddressFailure).
	FailureLogin  string
	FailureAddr   string
	FailureVia    string
	FailureReason string
	// Failures counts the failures since the last success.
	Failures int
}

// LoginFailure is what is kept of the failures of one login that no
// recorder has.
type LoginFailure struct {
	Login   string
	Addr    string // of the last failure
	Via     string
	Reason  string
	FirstAt time.Time
	At      time.Time // the last failure
	Count   int
}

// ContactUpdate is the summary of the attempts of one recorder (or one
// login, RecorderID 0) between two writes of a ContactLog.
type ContactUpdate struct {
	RecorderID int64
	Login      string
	Success    LoginAttempt // the last success; zero At: none
	Failure    LoginAttempt // the last failure; zero At: none
	// Failures counts the failures after Success (all of them when there
	// was none).
	Failures int
}

// RecorderActivity is what a recorder sent within a window (7 days on
// the pages) and its last deposit ever.
type RecorderActivity struct {
	Deposits int // every deposit
	// Refused: not a deposit (ignored: wrong extension, not a media
	// file) or gone before it was published (missing).
	Refused int
	// Unrouted: reported to the admins (no manager, claiming off).
	Unrouted int
	// ProcessingFailed: recordings made in the window whose video failed
	// to encode.
	ProcessingFailed int
	LastDepositAt    time.Time // ever; zero: never
	LastState        string    // the last deposit's state and reason
	LastReason       string
	// Missed counts the scheduled events of the window that ended with no
	// deposit; NextEventAt and NextEventTitle are the next event's (zero:
	// none scheduled), from missedBefore's caller's now on.
	Missed         int
	NextEventAt    time.Time
	NextEventTitle string
}

// Failed is the number of deposits and recordings that went wrong.
func (a RecorderActivity) Failed() int { return a.Refused + a.Unrouted + a.ProcessingFailed }

// RecorderHealth is the health of one recorder, as the pages show it.
type RecorderHealth struct {
	RecorderID int64
	Contact    RecorderContact
	Activity   RecorderActivity
	// AgentContact is the last request of the recorder's capture agent
	// (zero: none); filled by the caller from CaptureAgentService.
	AgentContact time.Time
	AgentState   string
	// AddressFailure is the last failure, from the recorder's address, of
	// a login no recorder has (a recorder set up with a mistyped login);
	// filled by the caller from FindLoginFailures.
	AddressFailure *LoginFailure
}

// LoginFailureFilter selects the failures of unknown logins.
type LoginFailureFilter struct {
	Addr  *string
	Limit int // at most LoginFailuresKept; zero: all kept
}

// RecorderHealthService stores recorders' contacts and counts their
// deposits.
type RecorderHealthService interface {
	// SaveContacts applies the summaries in one transaction. An update
	// with RecorderID 0 is the recorder's whose login is Login, if any;
	// otherwise its failure is kept per login tried (its successes are
	// dropped), at most LoginFailuresKept of them. A recorder's fields
	// move only forwards: an older success or failure never replaces a
	// newer one.
	SaveContacts(ctx context.Context, updates []ContactUpdate) error
	// FindRecorderHealth returns the contacts and the activity since
	// `since` of the recorders ids (one entry each, zero when nothing is
	// known), in one query whatever their number. An event counts as
	// missed (RecorderActivity.Missed) when it ended after since, with no
	// deposit, and either its alert was sent or it ended before
	// missedBefore (now minus the grace period).
	FindRecorderHealth(ctx context.Context, ids []int64, since, missedBefore time.Time) (map[int64]*RecorderHealth, error)
	// FindLoginFailures returns the failures of unknown logins, the most
	// recent first.
	FindLoginFailures(ctx context.Context, filter LoginFailureFilter) ([]*LoginFailure, error)
}

// CleanLogin is a login tried, as stored and shown: invalid UTF-8 and
// control characters written as escapes (\x00, \u202e), at most
// LoginShownMax characters (then "…"). What a client sends is never
// stored raw: it may be 4 KiB of anything.
func CleanLogin(s string) string {
	var b strings.Builder
	n := 0 // characters written
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		var piece string
		switch {
		case r == utf8.RuneError && size <= 1:
			piece = fmt.Sprintf(`\x%02x`, s[0]) // not UTF-8
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case r >= 0x80 && r < 0xa0, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
			piece = fmt.Sprintf(`\u%04x`, r) // C1 controls, bidirectional marks
		default:
			piece = string(r)
		}
		if n+utf8.RuneCountInString(piece) > LoginShownMax {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
		n += utf8.RuneCountInString(piece)
		s = s[size:]
	}
	return b.String()
}

// Verdicts on a recorder's health, from the worst reason it sends
// nothing to "fine" (RecorderHealth.Verdict).
const (
	HealthNeverConnected = "never_connected" // no login, failed or not, no agent, no deposit
	HealthLoginFailing   = "login_failing"   // its last contact is a refused login
	HealthSilent         = "silent"          // contacts before, none within the window
	HealthNothingSent    = "nothing_sent"    // logged in within the window, no deposit
	HealthFilesRefused   = "files_refused"   // its last deposit was refused
	HealthFine           = "fine"            // it sent within the window
)

// HealthVerdicts lists every verdict, for the catalogs' tests.
var HealthVerdicts = []string{HealthNeverConnected, HealthLoginFailing, HealthSilent, HealthNothingSent,
	HealthFilesRefused, HealthFine}

// LastContact is the recorder's last sign of life: a login (refused or
// not), an agent's request, a deposit.
func (h *RecorderHealth) LastContact() time.Time {
	last := h.Contact.LoginAt
	for _, t := range []time.Time{h.Contact.FailureAt, h.AgentContact, h.Activity.LastDepositAt, h.addressFailureAt()} {
		if t.After(last) {
			last = t
		}
	}
	return last
}

func (h *RecorderHealth) addressFailureAt() time.Time {
	if h.AddressFailure == nil {
		return time.Time{}
	}
	return h.AddressFailure.At
}

// LastFailure is the last refused login: the recorder's own, or an
// unknown login's from its address, whichever is more recent. Its
// FailureAt is zero when there was none.
func (h *RecorderHealth) LastFailure() RecorderContact {
	c := h.Contact
	if f := h.AddressFailure; f != nil && f.At.After(c.FailureAt) {
		c.FailureAt, c.FailureLogin, c.FailureAddr, c.FailureVia, c.FailureReason = f.At, f.Login, f.Addr, f.Via, f.Reason
	}
	return c
}

// Verdict says, in one word, why the recorder sends nothing or that it
// sends: window is how far back "recently" goes (7 days on the pages).
func (h *RecorderHealth) Verdict(now time.Time, window time.Duration) string {
	last := h.LastContact()
	if last.IsZero() {
		return HealthNeverConnected
	}
	failure := h.LastFailure().FailureAt
	if !failure.IsZero() && !failure.Before(last) && failure.After(h.Contact.LoginAt) && failure.After(h.AgentContact) {
		return HealthLoginFailing
	}
	since := now.Add(-window)
	a := h.Activity
	if a.LastDepositAt.After(since) {
		if a.LastState == TreatmentIgnored || a.LastState == TreatmentMissing {
			return HealthFilesRefused
		}
		return HealthFine
	}
	if h.Contact.LoginAt.After(since) || h.AgentContact.After(since) {
		return HealthNothingSent
	}
	return HealthSilent
}
