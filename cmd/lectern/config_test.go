package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeConfig writes a TOML file in a temporary directory and returns its
// path.
func writeConfig(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "lectern.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// mustLoadConfig loads a configuration that must be valid.
func mustLoadConfig(tb testing.TB, path string, environ ...string) *Config {
	tb.Helper()
	cfg, err := LoadConfig(path, environ)
	if err != nil {
		tb.Fatalf("LoadConfig(%q, %q): %v", path, environ, err)
	}
	return cfg
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	// No DATA_DIR override: only LoadConfig runs, which writes nothing.
	cfg := mustLoadConfig(t, "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(wd, "lectern-data")
	path, err := cfg.SQLitePath()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ key, got, want string }{
		{"DATA_DIR", cfg.DataDir, data},
		{"DEFAULT_RECORDER_PATH", cfg.DefaultRecorderPath, filepath.Join(data, "recorders")},
		{"MEDIA_ROOT", cfg.MediaRoot, filepath.Join(data, "media")},
		{"HTTP_ADDR", cfg.HTTPAddr, "127.0.0.1:8080"},
		{"BASE_URL", cfg.BaseURL, "http://127.0.0.1:8080/"},
		{"DATABASE_URL", cfg.DatabaseURL, "sqlite://" + filepath.Join(data, "lectern.db")},
		{"SQLitePath()", path, filepath.Join(data, "lectern.db")},
		{"LANGUAGE_CODE", cfg.LanguageCode, "fr"},
		{"TIME_ZONE", cfg.TimeZone, "Europe/Paris"}, // LANGUAGE_CODE fr
		{"Location()", cfg.Location().String(), "Europe/Paris"},
		{"LOG_LEVEL", cfg.LogLevel, "info"},
		{"PUBLIC_RECORD_DIR", cfg.PublicRecordDir, "records"},
		{"SITE_TITLE", cfg.SiteTitle, "Lectern"},
		{"SMTP_URL", cfg.SMTPURL, ""},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.key, tt.got, tt.want)
		}
	}
	if !cfg.AllowRecorderManagerChoiceVidOwner || cfg.AllowManualRecordingClaiming || cfg.UseCAS {
		t.Errorf("booleans = %+v", cfg)
	}
	if diff := cmp.Diff(map[string]string{"video": "Video", "audiovideocast": "Audiovideocast"}, cfg.RecordingTypeLabels()); diff != "" {
		t.Errorf("RecordingTypeLabels() (-want +got):\n%s", diff)
	}
	if len(cfg.VideoAllowedExtensions) == 0 || cfg.VideoAllowedExtensions[0] != "3gp" {
		t.Errorf("VIDEO_ALLOWED_EXTENSIONS = %q", cfg.VideoAllowedExtensions)
	}
}

// Each LoadConfig starts from fresh defaults: normalising one
// configuration's lists never changes another's.
func TestLoadConfigDefaultsNotShared(t *testing.T) {
	t.Parallel()
	a := mustLoadConfig(t, "")
	a.VideoAllowedExtensions[0] = "changed"
	a.SelfRequestsProxies["http"] = "changed"
	b := mustLoadConfig(t, "")
	if b.VideoAllowedExtensions[0] != "3gp" || b.SelfRequestsProxies["http"] != "" {
		t.Errorf("a second LoadConfig sees the first one's changes: %q, %q", b.VideoAllowedExtensions, b.SelfRequestsProxies)
	}
}

func TestLoadConfigDerived(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for _, tt := range []struct {
		name    string
		environ []string
		check   func(t *testing.T, c *Config)
	}{
		{"BASE_URL from a wildcard HTTP_ADDR", []string{"LECTERN_HTTP_ADDR=0.0.0.0:80"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "http://localhost:80/") }},
		{"BASE_URL from a port only", []string{"LECTERN_HTTP_ADDR=:8080"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "http://localhost:8080/") }},
		{"BASE_URL from an IPv6 wildcard", []string{"LECTERN_HTTP_ADDR=[::]:8080"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "http://localhost:8080/") }},
		{"BASE_URL from an IPv6 address", []string{"LECTERN_HTTP_ADDR=[::1]:8080"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "http://[::1]:8080/") }},
		{"BASE_URL from a host name", []string{"LECTERN_HTTP_ADDR=lectern.example:8000"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "http://lectern.example:8000/") }},
		{"BASE_URL gets a trailing slash", []string{"LECTERN_BASE_URL=https://lectern.univ.example/pod"},
			func(t *testing.T, c *Config) { want(t, "BASE_URL", c.BaseURL, "https://lectern.univ.example/pod/") }},
		{"DATA_DIR made absolute", []string{"LECTERN_DATA_DIR=" + data + "/./sub/../data"},
			func(t *testing.T, c *Config) {
				want(t, "DATA_DIR", c.DataDir, filepath.Join(data, "data"))
				want(t, "DEFAULT_RECORDER_PATH", c.DefaultRecorderPath, filepath.Join(data, "data", "recorders"))
				want(t, "MEDIA_ROOT", c.MediaRoot, filepath.Join(data, "data", "media"))
			}},
		{"absolute paths kept and cleaned", []string{"LECTERN_DEFAULT_RECORDER_PATH=/srv/pod/uploads/", "LECTERN_MEDIA_ROOT=/srv/media//x/.."},
			func(t *testing.T, c *Config) {
				want(t, "DEFAULT_RECORDER_PATH", c.DefaultRecorderPath, "/srv/pod/uploads")
				want(t, "MEDIA_ROOT", c.MediaRoot, "/srv/media")
			}},
		{"sqlite:// absolute", []string{"LECTERN_DATABASE_URL=sqlite:///var/lib/lectern/db.sqlite"},
			func(t *testing.T, c *Config) { wantSQLitePath(t, c, "/var/lib/lectern/db.sqlite") }},
		{"sqlite: relative to DATA_DIR", []string{"LECTERN_DATABASE_URL=sqlite:other.db"},
			func(t *testing.T, c *Config) { wantSQLitePath(t, c, filepath.Join(data, "other.db")) }},
		{"file: path", []string{"LECTERN_DATABASE_URL=file:/tmp/x.db"},
			func(t *testing.T, c *Config) { wantSQLitePath(t, c, "/tmp/x.db") }},
		{"bare relative path", []string{"LECTERN_DATABASE_URL=db/lectern.db"},
			func(t *testing.T, c *Config) { wantSQLitePath(t, c, filepath.Join(data, "db", "lectern.db")) }},
		{"extensions normalised", []string{`LECTERN_VIDEO_ALLOWED_EXTENSIONS=[".MP4", " mkv "]`},
			func(t *testing.T, c *Config) {
				if diff := cmp.Diff([]string{"mp4", "mkv"}, c.VideoAllowedExtensions); diff != "" {
					t.Errorf("VIDEO_ALLOWED_EXTENSIONS (-want +got):\n%s", diff)
				}
			}},
		{"LECTERN_CONFIG is not a key", []string{"LECTERN_CONFIG=/nonexistent.toml"},
			func(*testing.T, *Config) {}},
		{"other variables ignored", []string{"HOME=/root", "PATH=/bin", "LECTERN", "NOT_LECTERN_X=1"},
			func(*testing.T, *Config) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, mustLoadConfig(t, "", append([]string{"LECTERN_DATA_DIR=" + data}, tt.environ...)...))
		})
	}
}

const podConfig = `
ALLOW_MANUAL_RECORDING_CLAIMING = true
ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER = false
DEFAULT_RECORDER_ID = 1
DEFAULT_RECORDER_PATH = "/data/www/pod/uploads/"
DEFAULT_RECORDER_TYPE_ID = 3
DEFAULT_RECORDER_USER_ID = 7
RECORDER_SKIP_FIRST_IMAGE = true
RECORDER_TYPE = [["video", "Vidéo"]]
USE_RECORD_PREVIEW = true
PUBLIC_RECORD_DIR = "enregistrements"
SELF_REQUESTS_PROXIES = { http = "http://proxy.univ.example:3128", https = "http://proxy.univ.example:3128" }
ALLOW_INSECURE_REQUESTS = true
BASE_URL = "https://pod.univ.example"
USE_CAS = true
VIDEO_ALLOWED_EXTENSIONS = ["mp4", "MOV", "zip"]
LANGUAGE_CODE = "en"
`

func TestLoadConfigFile(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := mustLoadConfig(t, writeConfig(t, podConfig), "LECTERN_DATA_DIR="+data)
	type podKeys struct {
		AllowManualRecordingClaiming, AllowRecorderManagerChoiceVidOwner bool
		DefaultRecorderID, DefaultRecorderTypeID, DefaultRecorderUserID  int64
		DefaultRecorderPath                                              string
		RecorderSkipFirstImage, UseRecordPreview, AllowInsecureRequests  bool
		RecorderType                                                     [][]string
		PublicRecordDir                                                  string
		SelfRequestsProxies                                              map[string]string
		BaseURL                                                          string
		UseCAS                                                           bool
		VideoAllowedExtensions                                           []string
		LanguageCode                                                     string
	}
	got := podKeys{
		cfg.AllowManualRecordingClaiming, cfg.AllowRecorderManagerChoiceVidOwner,
		cfg.DefaultRecorderID, cfg.DefaultRecorderTypeID, cfg.DefaultRecorderUserID,
		cfg.DefaultRecorderPath,
		cfg.RecorderSkipFirstImage, cfg.UseRecordPreview, cfg.AllowInsecureRequests,
		cfg.RecorderType, cfg.PublicRecordDir, cfg.SelfRequestsProxies, cfg.BaseURL, cfg.UseCAS,
		cfg.VideoAllowedExtensions, cfg.LanguageCode,
	}
	wantKeys := podKeys{
		true, false,
		1, 3, 7,
		"/data/www/pod/uploads",
		true, true, true,
		[][]string{{"video", "Vidéo"}}, "enregistrements",
		map[string]string{"http": "http://proxy.univ.example:3128", "https": "http://proxy.univ.example:3128"},
		"https://pod.univ.example/", true,
		[]string{"mp4", "mov", "zip"}, "en",
	}
	if diff := cmp.Diff(wantKeys, got); diff != "" {
		t.Errorf("Pod keys (-want +got):\n%s", diff)
	}
	// Keys the file does not set keep their defaults.
	if cfg.SiteTitle != "Lectern" || cfg.DataDir != data || cfg.MediaRoot != filepath.Join(data, "media") {
		t.Errorf("defaults lost: SITE_TITLE %q, DATA_DIR %q, MEDIA_ROOT %q", cfg.SiteTitle, cfg.DataDir, cfg.MediaRoot)
	}
}

func TestLoadConfigEnvBeatsFile(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, podConfig)
	data := t.TempDir()
	for _, tt := range []struct {
		name  string
		env   string
		check func(t *testing.T, c *Config)
	}{
		{"bool", "LECTERN_USE_CAS=false", func(t *testing.T, c *Config) {
			if c.UseCAS {
				t.Error("USE_CAS = true, want false")
			}
		}},
		{"bool 0", "LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=0", func(t *testing.T, c *Config) {
			if c.AllowManualRecordingClaiming {
				t.Error("ALLOW_MANUAL_RECORDING_CLAIMING = true, want false")
			}
		}},
		{"int", "LECTERN_DEFAULT_RECORDER_TYPE_ID=12", func(t *testing.T, c *Config) {
			if c.DefaultRecorderTypeID != 12 {
				t.Errorf("DEFAULT_RECORDER_TYPE_ID = %d, want 12", c.DefaultRecorderTypeID)
			}
		}},
		{"string", "LECTERN_PUBLIC_RECORD_DIR=depots", func(t *testing.T, c *Config) {
			want(t, "PUBLIC_RECORD_DIR", c.PublicRecordDir, "depots")
		}},
		{"string that looks like TOML", "LECTERN_SITE_TITLE=true", func(t *testing.T, c *Config) {
			want(t, "SITE_TITLE", c.SiteTitle, "true")
		}},
		{"list in TOML", `LECTERN_VIDEO_ALLOWED_EXTENSIONS=["webm", "ogg"]`, func(t *testing.T, c *Config) {
			if diff := cmp.Diff([]string{"webm", "ogg"}, c.VideoAllowedExtensions); diff != "" {
				t.Errorf("VIDEO_ALLOWED_EXTENSIONS (-want +got):\n%s", diff)
			}
		}},
		{"list with commas", "LECTERN_VIDEO_ALLOWED_EXTENSIONS=webm, ogg,,mkv", func(t *testing.T, c *Config) {
			if diff := cmp.Diff([]string{"webm", "ogg", "mkv"}, c.VideoAllowedExtensions); diff != "" {
				t.Errorf("VIDEO_ALLOWED_EXTENSIONS (-want +got):\n%s", diff)
			}
		}},
		{"list of one word", "LECTERN_VIDEO_ALLOWED_EXTENSIONS=mp4", func(t *testing.T, c *Config) {
			if diff := cmp.Diff([]string{"mp4"}, c.VideoAllowedExtensions); diff != "" {
				t.Errorf("VIDEO_ALLOWED_EXTENSIONS (-want +got):\n%s", diff)
			}
		}},
		{"table", `LECTERN_SELF_REQUESTS_PROXIES={ http = "p" }`, func(t *testing.T, c *Config) {
			if diff := cmp.Diff(map[string]string{"http": "p"}, c.SelfRequestsProxies); diff != "" {
				t.Errorf("SELF_REQUESTS_PROXIES (-want +got):\n%s", diff)
			}
		}},
		{"nested list", `LECTERN_RECORDER_TYPE=[["audiovideocast", "AVC"]]`, func(t *testing.T, c *Config) {
			if diff := cmp.Diff([][]string{{"audiovideocast", "AVC"}}, c.RecorderType); diff != "" {
				t.Errorf("RECORDER_TYPE (-want +got):\n%s", diff)
			}
		}},
		{"last of two wins", "LECTERN_DEFAULT_RECORDER_TYPE_ID=5", func(t *testing.T, c *Config) {
			if c.DefaultRecorderTypeID != 5 {
				t.Errorf("DEFAULT_RECORDER_TYPE_ID = %d, want 5", c.DefaultRecorderTypeID)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			environ := []string{"LECTERN_DATA_DIR=" + data}
			if tt.name == "last of two wins" {
				environ = append(environ, "LECTERN_DEFAULT_RECORDER_TYPE_ID=4")
			}
			tt.check(t, mustLoadConfig(t, path, append(environ, tt.env)...))
		})
	}
}

// TestLoadConfigTimeZone: TIME_ZONE defaults from LANGUAGE_CODE
// (Europe/Paris for fr, else UTC), and a zone named is loaded from the
// tz database built into the binary, whatever the machine has.
func TestLoadConfigTimeZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"LECTERN_LANGUAGE_CODE=fr"}, "Europe/Paris"},
		{[]string{"LECTERN_LANGUAGE_CODE=en"}, "UTC"},
		{[]string{"LECTERN_LANGUAGE_CODE=en", "LECTERN_TIME_ZONE=America/Montreal"}, "America/Montreal"},
		{[]string{"LECTERN_LANGUAGE_CODE=fr", "LECTERN_TIME_ZONE=UTC"}, "UTC"},
	} {
		cfg := mustLoadConfig(t, "", append(tc.env, "LECTERN_DATA_DIR="+t.TempDir())...)
		if cfg.TimeZone != tc.want || cfg.Location().String() != tc.want {
			t.Errorf("%v: TIME_ZONE %q, location %q, want %q", tc.env, cfg.TimeZone, cfg.Location(), tc.want)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for _, tt := range []struct {
		name    string
		file    string // TOML; empty: no file
		environ []string
		want    []string // substrings of the error
	}{
		{"unknown key in the file", "USE_CASS = true\n", nil, []string{"USE_CASS", "unknown key"}},
		{"unknown table key in the file", "[SMTP]\nHOST = \"x\"\n", nil, []string{"SMTP"}},
		{"wrong type in the file", "USE_CAS = \"yes\"\n", nil, []string{"USE_CAS"}},
		{"bad TOML", "USE_CAS = \n", nil, []string{"lectern.toml"}},
		{"unknown LECTERN_ variable", "", []string{"LECTERN_USE_CASS=true"}, []string{"LECTERN_USE_CASS", "unknown key"}},
		{"lower-case LECTERN_ variable", "", []string{"LECTERN_use_cas=true"}, []string{"LECTERN_use_cas"}},
		{"non-bool value", "", []string{"LECTERN_USE_CAS=maybe"}, []string{"LECTERN_USE_CAS", "USE_CAS", "true or false"}},
		{"empty bool", "", []string{"LECTERN_USE_CAS="}, []string{"LECTERN_USE_CAS"}},
		{"non-int value", "", []string{"LECTERN_DEFAULT_RECORDER_ID=one"}, []string{"LECTERN_DEFAULT_RECORDER_ID", "DEFAULT_RECORDER_ID"}},
		{"negative id", "", []string{"LECTERN_DEFAULT_RECORDER_USER_ID=-1"}, []string{"DEFAULT_RECORDER_USER_ID"}},
		{"relative DEFAULT_RECORDER_PATH", "DEFAULT_RECORDER_PATH = \"uploads\"\n", nil, []string{"DEFAULT_RECORDER_PATH", "absolute"}},
		{"relative MEDIA_ROOT", "", []string{"LECTERN_MEDIA_ROOT=media"}, []string{"MEDIA_ROOT"}},
		{"bad LANGUAGE_CODE", "LANGUAGE_CODE = \"de\"\n", nil, []string{"LANGUAGE_CODE", `"de"`}},
		{"unknown TIME_ZONE", "TIME_ZONE = \"Mars/Olympus\"\n", nil, []string{"TIME_ZONE", `"Mars/Olympus"`}},
		{"TIME_ZONE the machine's", "", []string{"LECTERN_TIME_ZONE=Local"}, []string{"TIME_ZONE", `"Local"`}},
		{"TIME_ZONE a path", "", []string{"LECTERN_TIME_ZONE=../../etc/passwd"}, []string{"TIME_ZONE"}},
		{"bad BASE_URL scheme", "", []string{"LECTERN_BASE_URL=ftp://pod.example/"}, []string{"BASE_URL"}},
		{"BASE_URL without host", "", []string{"LECTERN_BASE_URL=https://"}, []string{"BASE_URL"}},
		{"BASE_URL not a URL", "", []string{"LECTERN_BASE_URL=pod.example"}, []string{"BASE_URL"}},
		{"postgres DATABASE_URL without a database", "", []string{"LECTERN_DATABASE_URL=postgres://lectern:pw@db"}, []string{"DATABASE_URL", "postgres://"}},
		{"other database", "", []string{"LECTERN_DATABASE_URL=mysql://db/lectern"}, []string{"DATABASE_URL", "unsupported"}},
		{"other DATABASE_URL", "", []string{"LECTERN_DATABASE_URL=mysql://db/lectern"}, []string{"DATABASE_URL"}},
		{"empty sqlite path", "", []string{"LECTERN_DATABASE_URL=sqlite://"}, []string{"DATABASE_URL"}},
		{"bad HTTP_ADDR", "", []string{"LECTERN_HTTP_ADDR=8080"}, []string{"HTTP_ADDR"}},
		{"bad SMTP_URL", "", []string{"LECTERN_SMTP_URL=http://mail.example"}, []string{"SMTP_URL"}},
		{"bad DEFAULT_FROM_EMAIL", "", []string{"LECTERN_DEFAULT_FROM_EMAIL=nobody"}, []string{"DEFAULT_FROM_EMAIL"}},
		{"bad LOG_LEVEL", "", []string{"LECTERN_LOG_LEVEL=verbose"}, []string{"LOG_LEVEL"}},
		{"empty SITE_TITLE", "", []string{"LECTERN_SITE_TITLE= "}, []string{"SITE_TITLE"}},
		{"empty DATA_DIR", "", []string{"LECTERN_DATA_DIR="}, []string{"DATA_DIR"}},
		{"unknown recording type", "RECORDER_TYPE = [[\"podcast\", \"Podcast\"]]\n", nil, []string{"RECORDER_TYPE"}},
		{"no recording type", "RECORDER_TYPE = []\n", nil, []string{"RECORDER_TYPE"}},
		{"bad extension", "", []string{"LECTERN_VIDEO_ALLOWED_EXTENSIONS=mp4,tar.gz"}, []string{"VIDEO_ALLOWED_EXTENSIONS", "tar.gz"}},
		{"PUBLIC_RECORD_DIR with a slash", "PUBLIC_RECORD_DIR = \"a/b\"\n", nil, []string{"PUBLIC_RECORD_DIR"}},
		{"several bad keys named at once", "LANGUAGE_CODE = \"de\"\n", []string{"LECTERN_LOG_LEVEL=loud"}, []string{"LANGUAGE_CODE", "LOG_LEVEL"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			environ := append([]string{"LECTERN_DATA_DIR=" + data}, tt.environ...)
			cfg, err := LoadConfig(path, environ)
			if err == nil {
				t.Fatalf("LoadConfig() = %+v, want an error naming %q", cfg, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "nope.toml")
		if _, err := LoadConfig(path, nil); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadConfig(missing) error = %v, want it to name %s", err, path)
		}
	})
}

func TestConfigCheckWritable(t *testing.T) {
	t.Parallel()
	t.Run("creates DATA_DIR and leaves nothing behind", func(t *testing.T) {
		t.Parallel()
		data := filepath.Join(t.TempDir(), "a", "b")
		cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data)
		if err := cfg.CheckWritable(); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Errorf("DATA_DIR holds %v after the check, want nothing", entries)
		}
	})
	t.Run("DATA_DIR under a regular file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		// chmod would not stop root, which runs these tests; a path under
		// a regular file stops everybody.
		cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+filepath.Join(file, "data"))
		err := cfg.CheckWritable()
		if err == nil || !strings.Contains(err.Error(), "DATA_DIR") {
			t.Errorf("CheckWritable() = %v, want an error naming DATA_DIR", err)
		}
	})
	t.Run("DATA_DIR is a regular file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+file)
		if err := cfg.CheckWritable(); err == nil || !strings.Contains(err.Error(), "DATA_DIR") {
			t.Errorf("CheckWritable() = %v, want an error naming DATA_DIR", err)
		}
	})
}

func TestConfigMasked(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+data,
		"LECTERN_SMTP_URL=smtp://u:secret@mail.example:587",
		"LECTERN_DATABASE_URL=sqlite://"+filepath.Join(data, "my db", "x.db"))
	out := cfg.Masked()
	if strings.Contains(out, "secret") {
		t.Errorf("Masked() shows the SMTP password:\n%s", out)
	}
	for _, key := range []string{"SMTP_URL = ", "DATA_DIR = ", "DEFAULT_RECORDER_PATH = ", "BASE_URL = ", "USE_CAS = ", "VIDEO_ALLOWED_EXTENSIONS = ", "[SELF_REQUESTS_PROXIES]"} {
		if !strings.Contains(out, key) {
			t.Errorf("Masked() lacks %q:\n%s", key, out)
		}
	}
	if !strings.Contains(out, `SMTP_URL = "smtp://u:xxxxx@mail.example:587"`) {
		t.Errorf("Masked() should keep the user and host of SMTP_URL:\n%s", out)
	}
	if cfg.SMTPURL != "smtp://u:secret@mail.example:587" {
		t.Errorf("Masked() changed the configuration: SMTP_URL = %q", cfg.SMTPURL)
	}

	// The listing is itself a configuration file that gives the same
	// configuration, but for the masked password.
	back := mustLoadConfig(t, writeConfig(t, out))
	back.SMTPURL = cfg.SMTPURL
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Errorf("Masked() does not read back (-loaded +read back):\n%s", diff)
	}
}

// An invalid URL is named in the error without its password.
func TestConfigErrorHidesPassword(t *testing.T) {
	t.Parallel()
	for _, env := range []string{
		"LECTERN_SMTP_URL=http://u:secret@mail.example",
		"LECTERN_SMTP_URL=smtp://u:secret%zz@mail.example",
		"LECTERN_SMTP_URL=smtp://u:my secret@mail.example",
		"LECTERN_DATABASE_URL=mysql://u:secret@db/lectern",
		"LECTERN_DATABASE_URL=mysql://u:secret%zz@db/lectern",
	} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + t.TempDir(), env})
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func want(tb testing.TB, key, got, want string) {
	tb.Helper()
	if got != want {
		tb.Errorf("%s = %q, want %q", key, got, want)
	}
}

func wantSQLitePath(tb testing.TB, c *Config, want string) {
	tb.Helper()
	got, err := c.SQLitePath()
	if err != nil || got != want {
		tb.Errorf("SQLitePath() = %q, %v; want %q", got, err, want)
	}
}

func TestLoadConfigDeposits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, "LECTERN_RECORDER_QUIESCENCE=1500ms",
		"LECTERN_FTP_PASSIVE_PORTS=40000-40010", "LECTERN_FTP_ENABLED=false", "LECTERN_RECORDING_FILE_MAX_SIZE=1024"})
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.RecorderQuiescence) != 1500*time.Millisecond || cfg.FTPEnabled || cfg.RecordingFileMaxSize != 1024 ||
		time.Duration(cfg.RecorderScanInterval) != time.Minute {
		t.Fatalf("got %+v", cfg)
	}
	if lo, hi, err := cfg.PassivePortRange(); lo != 40000 || hi != 40010 || err != nil {
		t.Fatalf("passive ports %d-%d %v", lo, hi, err)
	}
	if f := cfg.ftpConfig(); f.MaxClients != 200 || f.MaxPerIP != 20 || f.LoginTimeout != time.Minute ||
		f.IdleTimeout != 10*time.Minute || f.DataTimeout != 5*time.Minute || f.MaxDirs != 100 || f.MaxDepth != 8 ||
		f.MaxFiles != 10000 || f.PassivePortLow != 40000 || f.PassivePortHigh != 40010 {
		t.Errorf("FTP configuration %+v", f)
	}
	if !strings.Contains(cfg.Masked(), `RECORDER_QUIESCENCE = "1.5s"`) {
		t.Errorf("Masked shows no duration:\n%s", cfg.Masked())
	}
	for env, key := range map[string]string{
		"LECTERN_RECORDER_QUIESCENCE=soon":   "RECORDER_QUIESCENCE",
		"LECTERN_RECORDER_SCAN_INTERVAL=-1s": "RECORDER_SCAN_INTERVAL",
		"LECTERN_FTP_PASSIVE_PORTS=9-2":      "FTP_PASSIVE_PORTS",
		"LECTERN_FTP_PASSIVE_PORTS=a-b":      "FTP_PASSIVE_PORTS",
		"LECTERN_FTP_ADDR=nowhere":           "FTP_ADDR",
		"LECTERN_SFTP_ADDR=nowhere":          "SFTP_ADDR",
		"LECTERN_SFTP_HOST_KEYS=/no/such":    "SFTP_HOST_KEYS",
		"LECTERN_FTP_TLS_CERT=/no/such.pem":  "FTP_TLS_CERT",
		"LECTERN_RECORDING_FILE_MAX_SIZE=0":  "RECORDING_FILE_MAX_SIZE",
		"LECTERN_ZIP_MAX_ENTRIES=0":          "ZIP_MAX_ENTRIES",
		"LECTERN_ZIP_MAX_UNCOMPRESSED=-5":    "ZIP_MAX_UNCOMPRESSED",
		"LECTERN_ZIP_MAX_RATIO=0.5":          "ZIP_MAX_RATIO",
		"LECTERN_FTP_MAX_CLIENTS=0":          "FTP_MAX_CLIENTS",
		"LECTERN_FTP_MAX_PER_IP=500":         "FTP_MAX_PER_IP",
		"LECTERN_FTP_LOGIN_TIMEOUT=0s":       "FTP_LOGIN_TIMEOUT",
		"LECTERN_FTP_DATA_TIMEOUT=-1s":       "FTP_DATA_TIMEOUT",
		"LECTERN_FTP_MAX_DEPTH=0":            "FTP_MAX_DEPTH",
	} {
		if _, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, env}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v, want an error naming %s", env, err, key)
		}
	}
}

func TestConfigFTPPort(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + t.TempDir(), "LECTERN_FTP_ADDR=0.0.0.0:21"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FTPPort() != 21 {
		t.Fatalf("FTPPort() = %d, want 21", cfg.FTPPort())
	}
}

func TestLoadConfigEncoding(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, "LECTERN_ENCODE_CRF=21", "LECTERN_ENCODE_PRESET=faster",
		"LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k,720p:1280x720:3000k:128k"})
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Encoder(nil); r.CRF != 21 || r.Preset != "faster" || len(r.Ladder) != 2 || r.OnePass {
		t.Fatalf("encoder %+v", r)
	}
	cfg, err = LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, "LECTERN_ENCODE_REMUX=false"})
	if err != nil || !cfg.Encoder(nil).OnePass {
		t.Fatalf("ENCODE_REMUX=false: %v, one pass %v", err, err == nil && cfg.Encoder(nil).OnePass)
	}
	for _, env := range []string{"LECTERN_ENCODE_CRF=99", "LECTERN_ENCODE_PRESET=warp", "LECTERN_ENCODE_LADDER=huge"} {
		if _, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, env}); err == nil || !strings.Contains(err.Error(), "ENCODE_") {
			t.Errorf("%s: %v, want an error naming the ENCODE_ setting", env, err)
		}
	}
}

func TestLoadConfigHTTPTimeouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, "LECTERN_HTTP_READ_TIMEOUT=5s"})
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.HTTPReadTimeout) != 5*time.Second || time.Duration(cfg.HTTPIdleTimeout) != 2*time.Minute ||
		time.Duration(cfg.HTTPUploadStallTimeout) != time.Minute {
		t.Fatalf("got %v %v %v", cfg.HTTPReadTimeout, cfg.HTTPIdleTimeout, cfg.HTTPUploadStallTimeout)
	}
	for env, key := range map[string]string{
		"LECTERN_HTTP_READ_TIMEOUT=0s":           "HTTP_READ_TIMEOUT",
		"LECTERN_HTTP_IDLE_TIMEOUT=-1s":          "HTTP_IDLE_TIMEOUT",
		"LECTERN_HTTP_UPLOAD_STALL_TIMEOUT=fast": "HTTP_UPLOAD_STALL_TIMEOUT",
	} {
		if _, err := LoadConfig("", []string{"LECTERN_DATA_DIR=" + dir, env}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v, want an error naming %s", env, err, key)
		}
	}
}
