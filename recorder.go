package lectern

import (
	"context"
	"crypto/rand"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Recording types: what a recorder sends. RECORDER_TYPE in the configuration
// may offer a subset of these, with its own labels.
const (
	RecordingTypeVideo          = "video"
	RecordingTypeAudioVideoCast = "audiovideocast"
)

// RecordingTypes lists every recording type Lectern can process.
var RecordingTypes = []string{RecordingTypeVideo, RecordingTypeAudioVideoCast}

// Licences are Pod's LICENCE_CHOICES codes (Creative Commons).
var Licences = []string{"by", "by-nd", "by-nc-nd", "by-nc", "by-nc-sa", "by-sa"}

// CursusCodes are Pod's CURSUS_CODES: none/all, bachelor, master, doctorate,
// other.
var CursusCodes = []string{"0", "L", "M", "D", "1"}

// Recorder is a capture device in a room. Its files arrive in
// DEFAULT_RECORDER_PATH/<Directory>/; its IP and Salt authenticate the
// notify endpoint; its FTP credentials let it log in to the embedded server.
// The remaining fields are the defaults given to the videos it publishes.
type Recorder struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	AddressIP   string `json:"address_ip"`
	Salt        string `json:"salt"`

	// FTP credentials: both set or both empty; the password is only ever
	// stored as a hash.
	CredentialsLogin        string `json:"credentials_login"`
	CredentialsPasswordHash string `json:"-"`
	// CredentialsDigest holds the HTTP Digest secrets (HA1) of the same
	// login and password, made when the password is set
	// (password.Digest): a capture agent logging in by Digest is checked
	// against it, since bcrypt cannot be. Empty for a password set
	// before Lectern kept it: such an agent must use Basic, or the
	// password be set again.
	CredentialsDigest string `json:"-"`
	// AgentName is the Opencast capture agent name that speaks for this
	// recorder; empty: its credentials login.
	AgentName string `json:"agent_name"`
	// SFTPAuthorizedKeys are OpenSSH authorized_keys lines: keys that log
	// in to the embedded SFTP server as CredentialsLogin, instead of the
	// password (CheckAuthorizedKeys).
	SFTPAuthorizedKeys string `json:"sftp_authorized_keys"`

	RecordingType   string  `json:"recording_type"`
	UserID          *int64  `json:"user"` // manager; nil: manual claim
	AdditionalUsers []int64 `json:"additional_users"`
	Directory       string  `json:"directory"`
	PublicationAuto bool    `json:"publication_auto"`

	// Defaults for the videos this recorder publishes.
	TypeID                 int64   `json:"type"`
	IsDraft                bool    `json:"is_draft"`
	IsRestricted           bool    `json:"is_restricted"`
	RestrictAccessToGroups []int64 `json:"restrict_access_to_groups"`
	PasswordHash           string  `json:"-"` // video password, hashed
	Cursus                 string  `json:"cursus"`
	MainLang               string  `json:"main_lang"`
	Transcript             string  `json:"transcript"`
	Tags                   string  `json:"tags"`
	Licence                string  `json:"licence"`
	AllowDownloading       bool    `json:"allow_downloading"`
	Is360                  bool    `json:"is_360"`
	DisableComment         bool    `json:"disable_comment"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewRecorder returns a recorder with Pod's defaults: video recordings,
// drafts, cursus "0".
func NewRecorder() *Recorder {
	return &Recorder{RecordingType: RecordingTypeVideo, IsDraft: true, Cursus: "0"}
}

// NewSalt returns a random notify salt, for a new recorder whose creator
// gave none (the command line, the admin form, the API): the notify key
// is MD5(IP + salt), so an empty salt, which Pod allows and Lectern keeps
// when asked for explicitly, lets anyone who knows the IP compute it.
// 26 characters of crypto/rand's base32 text, 130 bits.
func NewSalt() string { return rand.Text() }

// IPUnder is the IP with dots replaced by underscores, as recorders send it
// in recordingPlace (Pod's Recorder.ipunder).
func (r *Recorder) IPUnder() string { return strings.ReplaceAll(r.AddressIP, ".", "_") }

// HasFTP reports whether the recorder may log in to the embedded FTP server.
func (r *Recorder) HasFTP() bool {
	return r.CredentialsLogin != "" && r.CredentialsPasswordHash != ""
}

// IsManager reports whether u is r's manager.
func (r *Recorder) IsManager(u *User) bool {
	return u != nil && r.UserID != nil && *r.UserID == u.ID
}

// IsMember reports whether u is r's manager or one of its additional
// users: the people its deposits are for.
func (r *Recorder) IsMember(u *User) bool {
	return u != nil && (r.IsManager(u) || slices.Contains(r.AdditionalUsers, u.ID))
}

// ManagedBy reports whether u manages r: a superuser, or one of its
// members. Only they upload into its directory and read its deposits,
// recordings and settings through the API; the web's pages apply the
// same rule (and let staff claim what waits in the claim list).
func (r *Recorder) ManagedBy(u *User) bool {
	return u != nil && (u.IsSuperuser || r.IsMember(u))
}

var langRE = regexp.MustCompile(`^[a-z]{2}$`)

// ValidDirectory reports whether dir may name a recorder's directory: one
// path segment, no separator, no "..", no leading dot, no control
// character, at most 50 bytes.
func ValidDirectory(dir string) bool {
	if dir == "" || len(dir) > 50 || strings.HasPrefix(dir, ".") {
		return false
	}
	if strings.ContainsAny(dir, `/\:`) {
		return false
	}
	for _, c := range dir {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(dir) == dir
}

// Validate normalises and checks the recorder's own fields. Uniqueness and
// references to other rows are checked by the store.
func (r *Recorder) Validate() error {
	f := FieldErrors{}
	r.Name = strings.TrimSpace(r.Name)
	r.AddressIP = strings.TrimSpace(r.AddressIP)
	r.Directory = strings.TrimSpace(r.Directory)
	r.CredentialsLogin = strings.TrimSpace(r.CredentialsLogin)
	r.MainLang = strings.ToLower(strings.TrimSpace(r.MainLang))

	if r.Name == "" {
		f.Add("name", "This field is required.")
	} else if len(r.Name) > 200 {
		f.Add("name", "Ensure this value has at most 200 characters.")
	}
	if r.AddressIP == "" {
		f.Add("address_ip", "This field is required.")
	} else if a, err := netip.ParseAddr(r.AddressIP); err != nil || a.Zone() != "" {
		f.Add("address_ip", "Enter a valid IPv4 or IPv6 address.")
	} else {
		r.AddressIP = a.Unmap().String()
	}
	if len(r.Salt) > 50 {
		f.Add("salt", "Ensure this value has at most 50 characters.")
	}
	if r.Directory == "" {
		f.Add("directory", "This field is required.")
	} else if !ValidDirectory(r.Directory) {
		f.Add("directory", "Enter a single folder name: no slash, no \"..\", not starting with a dot, at most 50 characters.")
	}
	if (r.CredentialsLogin == "") != (r.CredentialsPasswordHash == "") {
		f.Add("credentials_login", "Login and password must be set together.")
		f.Add("credentials_password", "Login and password must be set together.")
	} else if len(r.CredentialsLogin) > 255 || strings.ContainsAny(r.CredentialsLogin, " \t\r\n") {
		f.Add("credentials_login", "Enter a login without spaces, at most 255 characters.")
	}
	if r.CredentialsLogin == "" {
		r.CredentialsDigest = ""
	}
	r.AgentName = strings.TrimSpace(r.AgentName)
	if len(r.AgentName) > 128 || strings.ContainsAny(r.AgentName, "/\\") || strings.ContainsFunc(r.AgentName, unicode.IsControl) {
		f.Add("agent_name", "Enter an agent name without slashes or control characters, at most 128 characters.")
	}
	if keys, err := CheckAuthorizedKeys(r.SFTPAuthorizedKeys); err != nil {
		f.Add("sftp_authorized_keys", "Enter OpenSSH public keys, one per line, such as “ssh-ed25519 AAAA… comment”, without options.")
	} else {
		r.SFTPAuthorizedKeys = keys
		if keys != "" && r.CredentialsLogin == "" {
			f.Add("sftp_authorized_keys", "Set a login: the keys log in under it.")
		}
	}
	if !slices.Contains(RecordingTypes, r.RecordingType) {
		f.Add("recording_type", "Select a valid recording type.")
	}
	if r.TypeID <= 0 {
		f.Add("type", "This field is required.")
	}
	if r.UserID != nil && *r.UserID <= 0 {
		r.UserID = nil
	}
	if r.Cursus == "" {
		r.Cursus = "0"
	}
	if !slices.Contains(CursusCodes, r.Cursus) {
		f.Add("cursus", "Select a valid university course.")
	}
	if r.MainLang != "" && !langRE.MatchString(r.MainLang) {
		f.Add("main_lang", "Enter a two-letter language code.")
	}
	if r.Licence != "" && !slices.Contains(Licences, r.Licence) {
		f.Add("licence", "Select a valid licence.")
	}
	if len(r.Tags) > 255 {
		f.Add("tags", "Ensure this value has at most 255 characters.")
	}
	return f.Err("validate recorder")
}

// RecorderFilter selects recorders; zero fields match everything.
type RecorderFilter struct {
	ID               *int64
	Name             *string
	AddressIP        *string
	Directory        *string
	CredentialsLogin *string
	AgentName        *string // the agent name set on the recorder, not the login
	Member           *int64  // the user manages it or is one of its additional users
	Search           string  // name, IP, directory or description
	Page             Page
}

// RecorderService stores recorders. Every call reads the database: there is
// no cache, so a recorder changed by the command line is seen at once by a
// running server.
type RecorderService interface {
	// FindRecorderByID returns ENOTFOUND when no recorder has that id.
	FindRecorderByID(ctx context.Context, id int64) (*Recorder, error)
	// FindRecorders returns one page of matching recorders ordered by name,
	// and the number of all matching recorders.
	FindRecorders(ctx context.Context, filter RecorderFilter) ([]*Recorder, int, error)
	// CreateRecorder validates r and inserts it, setting r.ID. ECONFLICT
	// (with Fields) for a used name, IP, directory or login; EINVALID for an
	// unknown type, manager, user or group.
	CreateRecorder(ctx context.Context, r *Recorder) error
	// UpdateRecorder validates r and saves it; same errors, and ENOTFOUND.
	UpdateRecorder(ctx context.Context, r *Recorder) error
	// DeleteRecorder removes the recorder (its directory and files stay on
	// disk); ENOTFOUND.
	DeleteRecorder(ctx context.Context, id int64) error
}

// FindRecorder returns the one recorder matching filter, ENOTFOUND if none.
func FindRecorder(ctx context.Context, s RecorderService, filter RecorderFilter) (*Recorder, error) {
	filter.Page = Page{Number: 1, Size: 1}
	rs, _, err := s.FindRecorders(ctx, filter)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, Errorf(ENOTFOUND, "Recorder not found.")
	}
	return rs[0], nil
}

// RelativePath is how file, a deposit's absolute path, is shown to
// someone who is not a superuser: relative to the recorder's directory
// dir under root (DEFAULT_RECORDER_PATH), else relative to root (a deposit
// DEFAULT_RECORDER_ID received from another folder), else its base name.
// The host's folders stay with the superusers.
func RelativePath(root, dir, file string) string {
	if file == "" {
		return ""
	}
	if !filepath.IsAbs(root) {
		return filepath.Base(file)
	}
	root = filepath.Clean(root)
	bases := []string{root}
	if ValidDirectory(dir) {
		bases = []string{filepath.Join(root, dir), root}
	}
	for _, base := range bases {
		if rel, err := filepath.Rel(base, file); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(file)
}
