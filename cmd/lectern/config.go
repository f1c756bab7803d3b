package main

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"lectern"
	"lectern/avc"
	"lectern/ffmpeg"
	"lectern/intake/upload"
	"lectern/jobs"
	"lectern/sqldb"
)

// Config is Lectern's whole configuration. Keys are Pod's setting names
// where Pod has one, so a settings_local.py translates line by line; every
// key may be overridden by the environment variable LECTERN_<KEY>.
type Config struct {
	// Pod's recorder settings (seed document), same meaning.
	AllowManualRecordingClaiming       bool              `toml:"ALLOW_MANUAL_RECORDING_CLAIMING"`
	AllowRecorderManagerChoiceVidOwner bool              `toml:"ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER"`
	DefaultRecorderID                  int64             `toml:"DEFAULT_RECORDER_ID"`
	DefaultRecorderPath                string            `toml:"DEFAULT_RECORDER_PATH"`
	DefaultRecorderTypeID              int64             `toml:"DEFAULT_RECORDER_TYPE_ID"`
	DefaultRecorderUserID              int64             `toml:"DEFAULT_RECORDER_USER_ID"`
	RecorderSkipFirstImage             bool              `toml:"RECORDER_SKIP_FIRST_IMAGE"`
	RecorderType                       [][]string        `toml:"RECORDER_TYPE"`
	UseRecordPreview                   bool              `toml:"USE_RECORD_PREVIEW"`
	PublicRecordDir                    string            `toml:"PUBLIC_RECORD_DIR"`
	SelfRequestsProxies                map[string]string `toml:"SELF_REQUESTS_PROXIES"`
	AllowInsecureRequests              bool              `toml:"ALLOW_INSECURE_REQUESTS"`
	BaseURL                            string            `toml:"BASE_URL"`
	UseCAS                             bool              `toml:"USE_CAS"`
	VideoAllowedExtensions             []string          `toml:"VIDEO_ALLOWED_EXTENSIONS"`

	// Identity (README "Identity"): who is staff, and the groups logins
	// fill. The settings of each way of logging in follow, one block per
	// way, each checked in its config_<way>.go.
	AffiliationStaff           []string `toml:"AFFILIATION_STAFF"`
	CreateGroupFromAffiliation bool     `toml:"CREATE_GROUP_FROM_AFFILIATION"`
	CreateGroupFromGroups      bool     `toml:"CREATE_GROUP_FROM_GROUPS"`
	// MatchAccountsByEmail (Lectern's own) lets a login whose username
	// no account has take the one account with the same email.
	MatchAccountsByEmail bool `toml:"MATCH_ACCOUNTS_BY_EMAIL"`

	// Identity: CAS (USE_CAS above).
	CASServerURL              string            `toml:"CAS_SERVER_URL"`
	CASVersion                casVersion        `toml:"CAS_VERSION"`
	CASGateway                bool              `toml:"CAS_GATEWAY"`
	CASLogoutCompletely       bool              `toml:"CAS_LOGOUT_COMPLETELY"`
	CASForceLowercaseUsername bool              `toml:"CAS_FORCE_LOWERCASE_USERNAME"`
	UserCASMappingAttributes  map[string]string `toml:"USER_CAS_MAPPING_ATTRIBUTES"`

	// Identity: LDAP.
	LDAPServer                LDAPServer        `toml:"LDAP_SERVER"`
	AuthLDAPBindDN            string            `toml:"AUTH_LDAP_BIND_DN"`
	AuthLDAPBindPassword      string            `toml:"AUTH_LDAP_BIND_PASSWORD" secret:"password"`
	AuthLDAPUserSearch        []string          `toml:"AUTH_LDAP_USER_SEARCH"`
	UserLDAPMappingAttributes map[string]string `toml:"USER_LDAP_MAPPING_ATTRIBUTES"`
	PopulateUser              string            `toml:"POPULATE_USER"`
	AuthCASUserSearch         string            `toml:"AUTH_CAS_USER_SEARCH"`

	// Identity: Shibboleth and SAML.
	UseShib                       bool             `toml:"USE_SHIB"`
	ShibName                      string           `toml:"SHIB_NAME"`
	ShibURL                       string           `toml:"SHIB_URL"`
	ShibLogoutURL                 string           `toml:"SHIB_LOGOUT_URL"`
	RemoteUserHeader              string           `toml:"REMOTE_USER_HEADER"`
	ShibbolethAttributeMap        map[string][]any `toml:"SHIBBOLETH_ATTRIBUTE_MAP"`
	ShibbolethStaffAllowedDomains []string         `toml:"SHIBBOLETH_STAFF_ALLOWED_DOMAINS"`
	ShibMode                      string           `toml:"SHIB_MODE"`
	ShibTrustedProxies            []string         `toml:"SHIB_TRUSTED_PROXIES"`
	SAMLIdPMetadataURL            string           `toml:"SAML_IDP_METADATA_URL"`
	SAMLIdPMetadataFile           string           `toml:"SAML_IDP_METADATA_FILE"`
	SAMLSPCert                    string           `toml:"SAML_SP_CERT"`
	SAMLSPKey                     string           `toml:"SAML_SP_KEY"`
	SAMLEntityID                  string           `toml:"SAML_ENTITY_ID"`
	SAMLUsernameAttribute         string           `toml:"SAML_USERNAME_ATTRIBUTE"`
	SAMLAllowIDPInitiated         bool             `toml:"SAML_ALLOW_IDP_INITIATED"`

	// Identity: OpenID Connect.
	UseOIDC                         bool     `toml:"USE_OIDC"`
	OIDCName                        string   `toml:"OIDC_NAME"`
	OIDCRPClientID                  string   `toml:"OIDC_RP_CLIENT_ID"`
	OIDCRPClientSecret              string   `toml:"OIDC_RP_CLIENT_SECRET" secret:"password"`
	OIDCOPIssuer                    string   `toml:"OIDC_OP_ISSUER"`
	OIDCOPAuthorizationEndpoint     string   `toml:"OIDC_OP_AUTHORIZATION_ENDPOINT"`
	OIDCOPTokenEndpoint             string   `toml:"OIDC_OP_TOKEN_ENDPOINT"`
	OIDCOPUserEndpoint              string   `toml:"OIDC_OP_USER_ENDPOINT"`
	OIDCOPJWKSEndpoint              string   `toml:"OIDC_OP_JWKS_ENDPOINT"`
	OIDCOPEndSessionEndpoint        string   `toml:"OIDC_OP_END_SESSION_ENDPOINT"`
	OIDCRPSignAlgo                  string   `toml:"OIDC_RP_SIGN_ALGO"`
	OIDCRPScopes                    string   `toml:"OIDC_RP_SCOPES"`
	OIDCClaimGivenName              string   `toml:"OIDC_CLAIM_GIVEN_NAME"`
	OIDCClaimFamilyName             string   `toml:"OIDC_CLAIM_FAMILY_NAME"`
	OIDCClaimPreferredUsername      string   `toml:"OIDC_CLAIM_PREFERRED_USERNAME"`
	OIDCDefaultAffiliation          string   `toml:"OIDC_DEFAULT_AFFILIATION"`
	OIDCDefaultAccessGroupCodeNames []string `toml:"OIDC_DEFAULT_ACCESS_GROUP_CODE_NAMES"`

	// Lectern's own.
	DataDir          string `toml:"DATA_DIR"`
	HTTPAddr         string `toml:"HTTP_ADDR"`
	SiteTitle        string `toml:"SITE_TITLE"`
	DatabaseURL      string `toml:"DATABASE_URL"`
	MediaRoot        string `toml:"MEDIA_ROOT"`
	SMTPURL          string `toml:"SMTP_URL" secret:"url"`
	DefaultFromEmail string `toml:"DEFAULT_FROM_EMAIL"`
	LanguageCode     string `toml:"LANGUAGE_CODE"`
	// TimeZone (Pod's TIME_ZONE) is the zone pages, mails and the API
	// write times in (stored times stay UTC); empty: Europe/Paris when
	// LANGUAGE_CODE is fr, else UTC.
	TimeZone string `toml:"TIME_ZONE"`
	LogLevel string `toml:"LOG_LEVEL"`
	// LogFormat is text or json (log shippers); the metrics are on
	// METRICS_ADDR or behind METRICS_TOKEN (config_metrics.go).
	LogFormat    string `toml:"LOG_FORMAT"`
	MetricsAddr  string `toml:"METRICS_ADDR"`
	MetricsToken string `toml:"METRICS_TOKEN" secret:"password"`

	// HTTP: how long a client may take to send a request (body
	// limits themselves are per route, see package httplimit).
	HTTPReadTimeout        Duration `toml:"HTTP_READ_TIMEOUT"`
	HTTPIdleTimeout        Duration `toml:"HTTP_IDLE_TIMEOUT"`
	HTTPUploadStallTimeout Duration `toml:"HTTP_UPLOAD_STALL_TIMEOUT"`

	// Deposits: the embedded FTP server, the watcher, HTTP uploads.
	FTPEnabled           bool     `toml:"FTP_ENABLED"`
	FTPAddr              string   `toml:"FTP_ADDR"`
	FTPPassivePorts      string   `toml:"FTP_PASSIVE_PORTS"`
	FTPPublicHost        string   `toml:"FTP_PUBLIC_HOST"`
	FTPTLSCert           string   `toml:"FTP_TLS_CERT"`
	FTPTLSKey            string   `toml:"FTP_TLS_KEY"`
	FTPRequireTLS        bool     `toml:"FTP_REQUIRE_TLS"`
	FTPCheckRecorderIP   bool     `toml:"FTP_CHECK_RECORDER_IP"`
	OpencastDigestSHA256 bool     `toml:"OPENCAST_DIGEST_SHA256"`
	FTPMaxClients        int      `toml:"FTP_MAX_CLIENTS"`
	FTPMaxPerIP          int      `toml:"FTP_MAX_PER_IP"`
	FTPLoginTimeout      Duration `toml:"FTP_LOGIN_TIMEOUT"`
	FTPIdleTimeout       Duration `toml:"FTP_IDLE_TIMEOUT"`
	FTPDataTimeout       Duration `toml:"FTP_DATA_TIMEOUT"`
	FTPMaxDirs           int      `toml:"FTP_MAX_DIRS"`
	FTPMaxDepth          int      `toml:"FTP_MAX_DEPTH"`
	FTPMaxFiles          int      `toml:"FTP_MAX_FILES"`
	RecorderWatch        bool     `toml:"RECORDER_WATCH"`
	RecorderScanInterval Duration `toml:"RECORDER_SCAN_INTERVAL"`
	RecorderQuiescence   Duration `toml:"RECORDER_QUIESCENCE"`
	RecordingPartPattern string   `toml:"RECORDING_PART_PATTERN"`
	RecordingPartQuiet   Duration `toml:"RECORDING_PART_QUIET"`
	RecordingFileMaxSize int64    `toml:"RECORDING_FILE_MAX_SIZE"`
	UploadExpiry         Duration `toml:"UPLOAD_EXPIRY"`

	// Schedules' iCalendar feeds (README, "iCalendar feeds";
	// config_feed.go).
	ScheduleFeedRefresh     Duration `toml:"SCHEDULE_FEED_REFRESH"`
	ScheduleFeedHorizonDays int      `toml:"SCHEDULE_FEED_HORIZON_DAYS"`
	// ScheduleFeedAllowPrivate lets feed URLs reach this host and private
	// networks (ical.Fetcher.AllowPrivate).
	ScheduleFeedAllowPrivate bool `toml:"SCHEDULE_FEED_ALLOW_PRIVATE"`
	// The embedded SFTP server; its limits are the FTP_* ones above
	// (config_sftp.go).
	SFTPEnabled  bool     `toml:"SFTP_ENABLED"`
	SFTPAddr     string   `toml:"SFTP_ADDR"`
	SFTPHostKeys []string `toml:"SFTP_HOST_KEYS"`

	// Processing and encoding.
	EncodeWorkers int           `toml:"ENCODE_WORKERS"`
	EncodePreset  string        `toml:"ENCODE_PRESET"`
	EncodeCRF     int           `toml:"ENCODE_CRF"`
	EncodeLadder  ffmpeg.Ladder `toml:"ENCODE_LADDER"`
	// EncodeRemux: a browser-ready source is remuxed and offered first,
	// another's lowest rung first (ffmpeg.Runner.OnePass when false).
	EncodeRemux bool `toml:"ENCODE_REMUX"`

	// Audiovideocast ZIPs: what an archive may hold before it is refused
	// as hostile (zip bombs, endless entries).
	ZipMaxEntries      int     `toml:"ZIP_MAX_ENTRIES"`
	ZipMaxUncompressed int64   `toml:"ZIP_MAX_UNCOMPRESSED"`
	ZipMaxRatio        float64 `toml:"ZIP_MAX_RATIO"`

	// Nodes: several processes on one database and storage (Scaling
	// out in the README; config_node.go).
	Workers        bool     `toml:"WORKERS"`
	NodeID         string   `toml:"NODE_ID"`
	JobRescueAfter Duration `toml:"JOB_RESCUE_AFTER"`

	// Routing by schedule and missed recordings (config_schedule.go).
	ScheduleTolerance      Duration `toml:"SCHEDULE_TOLERANCE"`
	ScheduleMissedGrace    Duration `toml:"SCHEDULE_MISSED_GRACE"`
	ScheduleMissedInterval Duration `toml:"SCHEDULE_MISSED_INTERVAL"`
}

// Duration is a time.Duration written as text in TOML and the
// environment: "60s", "1m30s", "500ms".
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as 10s or 2m, not %q", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// envPrefix starts every environment override.
const envPrefix = "LECTERN_"

// DefaultConfig returns the embedded defaults: everything under
// ./lectern-data, SQLite, no SMTP (mail stays in the outbox).
func DefaultConfig() Config {
	return Config{
		AllowRecorderManagerChoiceVidOwner: true,
		RecorderType:                       [][]string{{"video", "Video"}, {"audiovideocast", "Audiovideocast"}},
		PublicRecordDir:                    "records",
		SelfRequestsProxies:                map[string]string{"http": "", "https": ""},
		VideoAllowedExtensions: []string{"3gp", "avi", "divx", "flv", "m2p", "m4v", "mkv", "mov", "mp4",
			"mpeg", "mpg", "mts", "wmv", "mp3", "ogg", "wav", "wma", "webm", "ts"},
		DataDir:          "./lectern-data",
		HTTPAddr:         "127.0.0.1:8080",
		SiteTitle:        "Lectern",
		DefaultFromEmail: "lectern@localhost",
		LanguageCode:     "fr",
		LogLevel:         "info",
		LogFormat:        "text",

		HTTPReadTimeout:        Duration(30 * time.Second),
		HTTPIdleTimeout:        Duration(2 * time.Minute),
		HTTPUploadStallTimeout: Duration(60 * time.Second),

		FTPEnabled:             true,
		FTPAddr:                "127.0.0.1:2121",
		FTPPassivePorts:        "30000-30100",
		FTPMaxClients:          200,
		FTPMaxPerIP:            20,
		FTPLoginTimeout:        Duration(time.Minute),
		FTPIdleTimeout:         Duration(10 * time.Minute),
		FTPDataTimeout:         Duration(5 * time.Minute),
		FTPMaxDirs:             100,
		FTPMaxDepth:            8,
		FTPMaxFiles:            10000,
		SFTPAddr:               "127.0.0.1:2222",
		SFTPHostKeys:           []string{},
		RecorderWatch:          true,
		RecorderScanInterval:   Duration(60 * time.Second),
		RecorderQuiescence:     Duration(10 * time.Second),
		RecordingFileMaxSize:   20 << 30,
		UploadExpiry:           Duration(upload.DefaultExpiry),
		EncodeWorkers:          1,
		EncodePreset:           ffmpeg.DefaultPreset,
		EncodeCRF:              ffmpeg.DefaultCRF,
		EncodeLadder:           ffmpeg.DefaultLadder(),
		EncodeRemux:            true,
		ZipMaxEntries:          avc.DefaultLimits.MaxEntries,
		ZipMaxUncompressed:     avc.DefaultLimits.MaxUncompressed,
		ZipMaxRatio:            avc.DefaultLimits.MaxRatio,
		Workers:                true,
		JobRescueAfter:         Duration(jobs.DefaultRescueAfter),
		RecordingPartPattern:   lectern.DefaultPartPattern,
		RecordingPartQuiet:     Duration(lectern.DefaultPartQuiet),
		ScheduleTolerance:      Duration(lectern.DefaultScheduleTolerance),
		ScheduleMissedGrace:    Duration(lectern.DefaultMissedGrace),
		ScheduleMissedInterval: Duration(time.Minute),

		ScheduleFeedRefresh:     Duration(time.Hour),
		ScheduleFeedHorizonDays: 120,

		AffiliationStaff: []string{"faculty", "employee", "staff"},
		// Identity: CAS defaults.
		CASVersion:               "2",
		CASLogoutCompletely:      true,
		UserCASMappingAttributes: defaultCASMapping(),

		// Identity: LDAP defaults.
		// USER_LDAP_MAPPING_ATTRIBUTES is Pod's when unset (checkLDAP): a
		// map here would be merged with the file's, not replaced.
		AuthLDAPUserSearch: []string{"ou=people,dc=univ,dc=fr", "(uid=%(uid)s)"},
		AuthCASUserSearch:  "user",

		// Identity: Shibboleth and SAML defaults.
		ShibName:              "Identify Federation",
		RemoteUserHeader:      "REMOTE_USER",
		ShibMode:              "header",
		SAMLUsernameAttribute: "uid",

		// Identity: OpenID Connect defaults.
		OIDCName:                        "OpenID Connect",
		OIDCRPSignAlgo:                  "RS256",
		OIDCRPScopes:                    "openid profile email",
		OIDCClaimGivenName:              "given_name",
		OIDCClaimFamilyName:             "family_name",
		OIDCClaimPreferredUsername:      "preferred_username",
		OIDCDefaultAffiliation:          "student",
		OIDCDefaultAccessGroupCodeNames: []string{},
	}
}

// LoadConfig reads the defaults, then the TOML file at path (if not
// empty), then LECTERN_* variables from environ, fills the settings that
// derive from others, and validates the result.
func LoadConfig(path string, environ []string) (*Config, error) {
	c := DefaultConfig()
	if path != "" {
		md, err := toml.DecodeFile(path, &c)
		if err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return nil, fmt.Errorf("config file %s: unknown key %s", path, strings.Join(keys, ", "))
		}
	}
	if err := c.applyEnv(environ); err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return &c, nil
}

// fields maps each TOML key to its struct field.
func (c *Config) fields() map[string]reflect.Value {
	v := reflect.ValueOf(c).Elem()
	m := map[string]reflect.Value{}
	for i := 0; i < v.NumField(); i++ {
		m[v.Type().Field(i).Tag.Get("toml")] = v.Field(i)
	}
	return m
}

// applyEnv overrides keys from LECTERN_<KEY> variables. Strings are taken
// as they are; other values are TOML (true, 3, ["a", "b"]); lists also
// accept comma-separated words.
func (c *Config) applyEnv(environ []string) error {
	fields := c.fields()
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || name == "LECTERN_CONFIG" {
			continue
		}
		key := strings.TrimPrefix(name, envPrefix)
		f, ok := fields[key]
		if !ok {
			return fmt.Errorf("environment variable %s: unknown key %s", name, key)
		}
		if err := setFromEnv(key, f, value); err != nil {
			return fmt.Errorf("environment variable %s: %w", name, err)
		}
	}
	return nil
}

func setFromEnv(key string, f reflect.Value, value string) error {
	if f.Kind() == reflect.String {
		f.SetString(value)
		return nil
	}
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := u.UnmarshalText([]byte(value)); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	holder := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "V", Type: f.Type(), Tag: reflect.StructTag(`toml:"v"`),
	}}))
	if _, err := toml.Decode("v = "+value, holder.Interface()); err == nil {
		f.Set(holder.Elem().Field(0))
		return nil
	} else if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String {
		var list []string
		for _, s := range strings.Split(value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		f.Set(reflect.ValueOf(list))
		return nil
	} else if f.Kind() == reflect.Bool {
		b, berr := strconv.ParseBool(value)
		if berr != nil {
			return fmt.Errorf("%s wants true or false, not %q", key, value)
		}
		f.SetBool(b)
		return nil
	} else {
		return fmt.Errorf("%s: cannot read %q: %v", key, value, err)
	}
}

// finish derives the settings that default from others and validates.
func (c *Config) finish() error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	if c.DataDir == "" {
		bad("DATA_DIR", "must not be empty")
	} else if abs, err := filepath.Abs(c.DataDir); err != nil {
		bad("DATA_DIR", "%v", err)
	} else {
		c.DataDir = abs
	}
	for _, p := range []struct {
		key string
		v   *string
		def string
	}{
		{"DEFAULT_RECORDER_PATH", &c.DefaultRecorderPath, "recorders"},
		{"MEDIA_ROOT", &c.MediaRoot, "media"},
	} {
		if *p.v == "" {
			*p.v = filepath.Join(c.DataDir, p.def)
		} else if !filepath.IsAbs(*p.v) {
			bad(p.key, "must be an absolute path, not %q", *p.v)
		} else {
			*p.v = filepath.Clean(*p.v)
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("HTTP_ADDR", "want host:port, not %q", c.HTTPAddr)
	}
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.HTTPAddr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port) + "/"
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BASE_URL", "want an http:// or https:// URL, not %q", c.BaseURL)
	} else if !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	if strings.TrimSpace(c.SiteTitle) == "" {
		bad("SITE_TITLE", "must not be empty")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "lectern.db")
	}
	if c.Postgres() {
		if u, err := url.Parse(c.DatabaseURL); err != nil || strings.TrimPrefix(u.Path, "/") == "" {
			bad("DATABASE_URL", "want postgres://user:password@host[:port]/database[?sslmode=…], not %q", maskURL(c.DatabaseURL))
		}
	} else if _, err := c.SQLitePath(); err != nil {
		bad("DATABASE_URL", "%v", err)
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			bad("SMTP_URL", "want smtp://[user:password@]host[:port] or smtps://..., not %q", maskURL(c.SMTPURL))
		}
	}
	if a, err := mail.ParseAddress(c.DefaultFromEmail); err != nil || a.Address == "" {
		bad("DEFAULT_FROM_EMAIL", "not a valid email address: %q", c.DefaultFromEmail)
	}
	if c.LanguageCode != "fr" && c.LanguageCode != "en" {
		bad("LANGUAGE_CODE", "want fr or en, not %q", c.LanguageCode)
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
		if c.LanguageCode == "fr" {
			c.TimeZone = "Europe/Paris"
		}
	}
	if _, err := loadZone(c.TimeZone); err != nil {
		bad("TIME_ZONE", "want a zone of the tz database such as Europe/Paris or UTC, not %q", c.TimeZone)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "want debug, info, warn or error, not %q", c.LogLevel)
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{{"HTTP_READ_TIMEOUT", c.HTTPReadTimeout}, {"HTTP_IDLE_TIMEOUT", c.HTTPIdleTimeout}, {"HTTP_UPLOAD_STALL_TIMEOUT", c.HTTPUploadStallTimeout}} {
		if d.v <= 0 {
			bad(d.key, "must be positive, not %s", time.Duration(d.v))
		}
	}
	c.checkDeposits(bad)
	c.checkFeeds(bad)
	c.checkSFTP(bad)
	c.checkMetrics(bad)
	c.checkNode(bad)
	c.checkSchedule(bad)
	c.checkIdentity(bad)
	if len(c.RecorderType) == 0 {
		bad("RECORDER_TYPE", "must offer at least one recording type")
	}
	for _, rt := range c.RecorderType {
		if len(rt) != 2 || !slices.Contains(lectern.RecordingTypes, rt[0]) {
			bad("RECORDER_TYPE", "each entry is [\"type\", \"label\"] with type among %s, not %q", strings.Join(lectern.RecordingTypes, ", "), rt)
			break
		}
	}
	for i, ext := range c.VideoAllowedExtensions {
		ext = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ext), "."))
		if ext == "" || strings.ContainsAny(ext, `/\ .`) {
			bad("VIDEO_ALLOWED_EXTENSIONS", "invalid extension %q", c.VideoAllowedExtensions[i])
		}
		c.VideoAllowedExtensions[i] = ext
	}
	for _, id := range []struct {
		key string
		v   int64
	}{{"DEFAULT_RECORDER_ID", c.DefaultRecorderID}, {"DEFAULT_RECORDER_TYPE_ID", c.DefaultRecorderTypeID}, {"DEFAULT_RECORDER_USER_ID", c.DefaultRecorderUserID}} {
		if id.v < 0 {
			bad(id.key, "must be an id (0 for none), not %d", id.v)
		}
	}
	if c.PublicRecordDir == "" || strings.ContainsAny(c.PublicRecordDir, `/\`) || strings.HasPrefix(c.PublicRecordDir, ".") {
		bad("PUBLIC_RECORD_DIR", "must be a single URL path segment, not %q", c.PublicRecordDir)
	}
	if len(errs) > 0 {
		return errors.New("invalid configuration:\n  " + strings.Join(errs, "\n  "))
	}
	return nil
}

// Location is TIME_ZONE's zone, from the tz database built into the
// binary (time/tzdata) when the machine has none. A name that is no zone
// gives UTC, but finish refuses it first.
func (c *Config) Location() *time.Location {
	loc, err := loadZone(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// loadZone loads a zone of the tz database by name; "" and "Local" (the
// machine's zone, whatever it is) are refused: TIME_ZONE names one.
func loadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("time zone %q: name a zone", name)
	}
	return time.LoadLocation(name)
}

// CheckWritable makes sure DATA_DIR exists (creating it) and can be written.
func (c *Config) CheckWritable() error {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("invalid configuration:\n  DATA_DIR: cannot create %s: %v", c.DataDir, err)
	}
	f, err := os.CreateTemp(c.DataDir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("invalid configuration:\n  DATA_DIR: %s is not writable: %v", c.DataDir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// Postgres reports whether DATABASE_URL names a PostgreSQL database
// (postgres:// or postgresql://); anything else is SQLite.
func (c *Config) Postgres() bool { return sqldb.IsPostgresURL(c.DatabaseURL) }

// SQLitePath returns the database file named by DATABASE_URL: sqlite://PATH,
// sqlite:PATH, file:PATH or a bare path.
func (c *Config) SQLitePath() (string, error) {
	u := c.DatabaseURL
	switch {
	case c.Postgres():
		return "", errors.New("DATABASE_URL names a PostgreSQL database, not a SQLite file")
	case strings.HasPrefix(u, "sqlite://"):
		u = strings.TrimPrefix(u, "sqlite://")
	case strings.HasPrefix(u, "sqlite:"):
		u = strings.TrimPrefix(u, "sqlite:")
	case strings.HasPrefix(u, "file:"):
		u = strings.TrimPrefix(u, "file:")
	case strings.Contains(u, "://"):
		return "", fmt.Errorf("unsupported database %q", maskURL(u))
	}
	if u == "" {
		return "", errors.New("empty database path")
	}
	if !filepath.IsAbs(u) {
		u = filepath.Join(c.DataDir, u)
	}
	return u, nil
}

// RecordingTypeLabels maps each offered recording type to its label.
func (c *Config) RecordingTypeLabels() map[string]string {
	m := map[string]string{}
	for _, rt := range c.RecorderType {
		if len(rt) == 2 {
			m[rt[0]] = rt[1]
		}
	}
	return m
}

// Masked returns the configuration as TOML with passwords hidden.
func (c *Config) Masked() string {
	cp := *c
	cp.SMTPURL = maskURL(cp.SMTPURL)
	cp.DatabaseURL = maskURL(cp.DatabaseURL)
	maskSecrets(&cp)
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(cp); err != nil {
		return err.Error()
	}
	// Sort top-level lines for a stable, scannable listing.
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var top, rest []string
	inTable := false
	for _, l := range lines {
		if strings.HasPrefix(l, "[") {
			inTable = true
		}
		if inTable {
			rest = append(rest, l)
		} else if l != "" {
			top = append(top, l)
		}
	}
	sort.Strings(top)
	return strings.Join(append(top, append([]string{""}, rest...)...), "\n") + "\n"
}

// maskSecrets hides the settings tagged secret:"password" (a client
// secret, a bind password): xxxxx unless empty.
func maskSecrets(c *Config) {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("secret") == "password" && v.Field(i).String() != "" {
			v.Field(i).SetString("xxxxx")
		}
	}
}

// maskURL replaces the password of a URL with xxxxx. A URL that does not
// parse may still hold one (an unescaped space or %): everything before its
// last "@" is hidden then, for it is shown in the error that names it.
func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		scheme, rest, ok := strings.Cut(s, "://")
		if !ok {
			scheme, rest = "", s
		}
		if i := strings.LastIndex(rest, "@"); i >= 0 {
			if scheme != "" {
				scheme += "://"
			}
			return scheme + "xxxxx" + rest[i:]
		}
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s // as written: String() would re-escape a path
	}
	return u.Redacted()
}
