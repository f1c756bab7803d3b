package lectern_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"lectern"
)

// validRecorder returns a recorder that passes Validate; tests change one
// field at a time.
func validRecorder(tb testing.TB) *lectern.Recorder {
	tb.Helper()
	r := lectern.NewRecorder()
	r.Name = "Amphi A"
	r.AddressIP = "192.0.2.10"
	r.Directory = "amphi-a"
	r.TypeID = 1
	return r
}

func TestRecorderValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(r *lectern.Recorder)
		fields []string // fields that must fail; none: valid
		check  func(t *testing.T, r *lectern.Recorder)
	}{
		{name: "valid", change: func(*lectern.Recorder) {}},
		{name: "name required", change: func(r *lectern.Recorder) { r.Name = "  " }, fields: []string{"name"}},
		{name: "name too long", change: func(r *lectern.Recorder) { r.Name = strings.Repeat("n", 201) }, fields: []string{"name"}},
		{name: "name 200 bytes", change: func(r *lectern.Recorder) { r.Name = strings.Repeat("n", 200) }},
		{name: "name trimmed", change: func(r *lectern.Recorder) { r.Name = " Amphi B\t" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "Name", r.Name, "Amphi B") }},
		{name: "ip required", change: func(r *lectern.Recorder) { r.AddressIP = "" }, fields: []string{"address_ip"}},
		{name: "directory required", change: func(r *lectern.Recorder) { r.Directory = "" }, fields: []string{"directory"}},
		{name: "type required", change: func(r *lectern.Recorder) { r.TypeID = 0 }, fields: []string{"type"}},
		{name: "every required field", change: func(r *lectern.Recorder) { *r = lectern.Recorder{} },
			fields: []string{"name", "address_ip", "directory", "recording_type", "type"}},

		{name: "ipv4", change: func(r *lectern.Recorder) { r.AddressIP = " 10.0.0.1 " },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "AddressIP", r.AddressIP, "10.0.0.1") }},
		{name: "ipv6 normalised", change: func(r *lectern.Recorder) { r.AddressIP = "2001:DB8:0:0::0001" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "AddressIP", r.AddressIP, "2001:db8::1") }},
		{name: "ipv4-mapped ipv6 unmapped", change: func(r *lectern.Recorder) { r.AddressIP = "::ffff:1.2.3.4" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "AddressIP", r.AddressIP, "1.2.3.4") }},
		{name: "ipv6 zone refused", change: func(r *lectern.Recorder) { r.AddressIP = "fe80::1%eth0" }, fields: []string{"address_ip"}},
		{name: "hostname refused", change: func(r *lectern.Recorder) { r.AddressIP = "recorder.example.org" }, fields: []string{"address_ip"}},
		{name: "ipv4 with port refused", change: func(r *lectern.Recorder) { r.AddressIP = "10.0.0.1:21" }, fields: []string{"address_ip"}},
		{name: "ipv4 out of range refused", change: func(r *lectern.Recorder) { r.AddressIP = "256.0.0.1" }, fields: []string{"address_ip"}},

		{name: "salt 51 bytes refused", change: func(r *lectern.Recorder) { r.Salt = strings.Repeat("s", 51) }, fields: []string{"salt"}},

		{name: "directory empty after trim", change: func(r *lectern.Recorder) { r.Directory = "   " }, fields: []string{"directory"}},
		{name: "directory dotdot", change: func(r *lectern.Recorder) { r.Directory = ".." }, fields: []string{"directory"}},
		{name: "directory dot", change: func(r *lectern.Recorder) { r.Directory = "." }, fields: []string{"directory"}},
		{name: "directory hidden", change: func(r *lectern.Recorder) { r.Directory = ".hidden" }, fields: []string{"directory"}},
		{name: "directory slash", change: func(r *lectern.Recorder) { r.Directory = "a/b" }, fields: []string{"directory"}},
		{name: "directory backslash", change: func(r *lectern.Recorder) { r.Directory = `a\b` }, fields: []string{"directory"}},
		{name: "directory absolute", change: func(r *lectern.Recorder) { r.Directory = "/etc" }, fields: []string{"directory"}},
		{name: "directory control character", change: func(r *lectern.Recorder) { r.Directory = "a\x00b" }, fields: []string{"directory"}},
		{name: "directory 51 bytes", change: func(r *lectern.Recorder) { r.Directory = strings.Repeat("d", 51) }, fields: []string{"directory"}},
		{name: "directory 50 bytes", change: func(r *lectern.Recorder) { r.Directory = strings.Repeat("d", 50) }},
		{name: "directory accepted", change: func(r *lectern.Recorder) { r.Directory = "amphi-A_1" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "Directory", r.Directory, "amphi-A_1") }},
		// Like every text field (and Django's forms), the directory is
		// trimmed before it is checked: " x" is saved as "x".
		{name: "directory trimmed", change: func(r *lectern.Recorder) { r.Directory = " x" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "Directory", r.Directory, "x") }},

		{name: "login and hash", change: func(r *lectern.Recorder) { r.CredentialsLogin, r.CredentialsPasswordHash = " amphi-a ", "$2a$hash" },
			check: func(t *testing.T, r *lectern.Recorder) {
				want(t, "CredentialsLogin", r.CredentialsLogin, "amphi-a")
				if !r.HasFTP() {
					t.Error("HasFTP() = false, want true")
				}
			}},
		{name: "login without hash", change: func(r *lectern.Recorder) { r.CredentialsLogin = "amphi-a" },
			fields: []string{"credentials_login", "credentials_password"}},
		{name: "hash without login", change: func(r *lectern.Recorder) { r.CredentialsPasswordHash = "$2a$hash" },
			fields: []string{"credentials_login", "credentials_password"}},
		{name: "login with space", change: func(r *lectern.Recorder) { r.CredentialsLogin, r.CredentialsPasswordHash = "amphi a", "$2a$hash" },
			fields: []string{"credentials_login"}},
		{name: "no credentials", change: func(*lectern.Recorder) {},
			check: func(t *testing.T, r *lectern.Recorder) {
				if r.HasFTP() {
					t.Error("HasFTP() = true, want false")
				}
			}},

		{name: "recording type video", change: func(r *lectern.Recorder) { r.RecordingType = lectern.RecordingTypeVideo }},
		{name: "recording type audiovideocast", change: func(r *lectern.Recorder) { r.RecordingType = lectern.RecordingTypeAudioVideoCast }},
		{name: "recording type empty", change: func(r *lectern.Recorder) { r.RecordingType = "" }, fields: []string{"recording_type"}},
		{name: "recording type unknown", change: func(r *lectern.Recorder) { r.RecordingType = "Video" }, fields: []string{"recording_type"}},

		{name: "cursus defaults to 0", change: func(r *lectern.Recorder) { r.Cursus = "" },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "Cursus", r.Cursus, "0") }},
		{name: "cursus master", change: func(r *lectern.Recorder) { r.Cursus = "M" }},
		{name: "cursus unknown", change: func(r *lectern.Recorder) { r.Cursus = "X" }, fields: []string{"cursus"}},
		{name: "cursus lower case", change: func(r *lectern.Recorder) { r.Cursus = "m" }, fields: []string{"cursus"}},

		{name: "licence empty", change: func(r *lectern.Recorder) { r.Licence = "" }},
		{name: "licence by-nc-sa", change: func(r *lectern.Recorder) { r.Licence = "by-nc-sa" }},
		{name: "licence unknown", change: func(r *lectern.Recorder) { r.Licence = "cc0" }, fields: []string{"licence"}},

		{name: "main_lang empty", change: func(r *lectern.Recorder) { r.MainLang = "" }},
		{name: "main_lang lower-cased", change: func(r *lectern.Recorder) { r.MainLang = " FR " },
			check: func(t *testing.T, r *lectern.Recorder) { want(t, "MainLang", r.MainLang, "fr") }},
		{name: "main_lang three letters", change: func(r *lectern.Recorder) { r.MainLang = "fra" }, fields: []string{"main_lang"}},
		{name: "main_lang region", change: func(r *lectern.Recorder) { r.MainLang = "fr-FR" }, fields: []string{"main_lang"}},

		{name: "tags 256 bytes", change: func(r *lectern.Recorder) { r.Tags = strings.Repeat("t", 256) }, fields: []string{"tags"}},
		{name: "manager id 0 is no manager", change: func(r *lectern.Recorder) { zero := int64(0); r.UserID = &zero },
			check: func(t *testing.T, r *lectern.Recorder) {
				if r.UserID != nil {
					t.Errorf("UserID = %d, want nil", *r.UserID)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRecorder(t)
			tt.change(r)
			err := r.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
			} else {
				if code := lectern.ErrorCode(err); code != lectern.EINVALID {
					t.Fatalf("Validate() = %v (code %q), want code %q", err, code, lectern.EINVALID)
				}
				var got []string
				for k := range lectern.ErrorFields(err) {
					got = append(got, k)
				}
				if diff := cmp.Diff(tt.fields, got, sortStrings); diff != "" {
					t.Errorf("failing fields (-want +got):\n%s\nerror: %v", diff, err)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// Validate normalises, so a second call changes nothing.
func TestRecorderValidateIdempotent(t *testing.T) {
	t.Parallel()
	r := validRecorder(t)
	r.Name, r.AddressIP, r.MainLang = " Amphi ", "::ffff:10.1.2.3", "EN"
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	first := *r
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, *r); diff != "" {
		t.Errorf("second Validate changed the recorder (-first +second):\n%s", diff)
	}
}

func TestNewRecorder(t *testing.T) {
	t.Parallel()
	r := lectern.NewRecorder()
	if r.RecordingType != lectern.RecordingTypeVideo || !r.IsDraft || r.Cursus != "0" {
		t.Errorf("NewRecorder() = type %q, draft %t, cursus %q; want video, true, 0", r.RecordingType, r.IsDraft, r.Cursus)
	}
}

func TestRecorderIPUnder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ ip, want string }{
		{"192.168.1.20", "192_168_1_20"},
		{"10.0.0.1", "10_0_0_1"},
		{"2001:db8::1", "2001:db8::1"},
		{"", ""},
	} {
		t.Run(tt.ip, func(t *testing.T) {
			t.Parallel()
			r := &lectern.Recorder{AddressIP: tt.ip}
			if got := r.IPUnder(); got != tt.want {
				t.Errorf("IPUnder() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidDirectory(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dir  string
		want bool
	}{
		{"amphi-A_1", true},
		{"salle 101", true},
		{"amphithéâtre", true},
		{strings.Repeat("d", 50), true},
		{strings.Repeat("d", 51), false},
		{strings.Repeat("é", 25), true},  // 50 bytes
		{strings.Repeat("é", 26), false}, // 52 bytes: the limit is in bytes
		{"", false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"a/b", false},
		{"/abs", false},
		{"a/", false},
		{`a\b`, false},
		{"c:", false},
		{" x", false},
		{"x ", false},
		{"\tx", false},
		{"a\nb", false},
		{"a\x00b", false},
		{"a\x7fb", false},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			if got := lectern.ValidDirectory(tt.dir); got != tt.want {
				t.Errorf("ValidDirectory(%q) = %t, want %t", tt.dir, got, tt.want)
			}
		})
	}
}

// sortStrings compares string slices as sets.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

func want(tb testing.TB, field, got, want string) {
	tb.Helper()
	if got != want {
		tb.Errorf("%s = %q, want %q", field, got, want)
	}
}

func TestRecorderManagedBy(t *testing.T) {
	t.Parallel()
	mgr, helper := int64(1), int64(2)
	rec := &lectern.Recorder{UserID: &mgr, AdditionalUsers: []int64{helper}}
	orphan := &lectern.Recorder{AdditionalUsers: []int64{helper}}
	for _, tc := range []struct {
		name                     string
		rec                      *lectern.Recorder
		u                        *lectern.User
		manager, member, manages bool
	}{
		{"manager", rec, &lectern.User{ID: mgr, IsStaff: true}, true, true, true},
		{"additional user", rec, &lectern.User{ID: helper, IsStaff: true}, false, true, true},
		{"other staff", rec, &lectern.User{ID: 3, IsStaff: true}, false, false, false},
		{"superuser", rec, &lectern.User{ID: 4, IsSuperuser: true}, false, false, true},
		{"nobody", rec, nil, false, false, false},
		{"no manager: id 0 is nobody", orphan, &lectern.User{ID: 0, IsStaff: true}, false, false, false},
		{"no manager: additional user", orphan, &lectern.User{ID: helper, IsStaff: true}, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rec.IsManager(tc.u); got != tc.manager {
				t.Errorf("IsManager = %v", got)
			}
			if got := tc.rec.IsMember(tc.u); got != tc.member {
				t.Errorf("IsMember = %v", got)
			}
			if got := tc.rec.ManagedBy(tc.u); got != tc.manages {
				t.Errorf("ManagedBy = %v", got)
			}
		})
	}
}

func TestRelativePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ root, dir, file, want string }{
		{"/srv/rec", "amphi", "/srv/rec/amphi/cours.mp4", "cours.mp4"},
		{"/srv/rec", "amphi", "/srv/rec/amphi/2024/cours.mp4", "2024/cours.mp4"},
		{"/srv/rec/", "amphi", "/srv/rec/other/cours.mp4", "other/cours.mp4"}, // DEFAULT_RECORDER_ID
		{"/srv/rec", "amphi", "/elsewhere/cours.mp4", "cours.mp4"},
		{"/srv/rec", "../x", "/srv/x/cours.mp4", "cours.mp4"},
		{"/srv/rec", "", "/srv/rec/amphi/cours.mp4", "amphi/cours.mp4"},
		{"", "amphi", "/srv/rec/amphi/cours.mp4", "cours.mp4"},
		{"/srv/rec", "amphi", "", ""},
	} {
		if got := lectern.RelativePath(tc.root, tc.dir, tc.file); got != tc.want {
			t.Errorf("RelativePath(%q, %q, %q) = %q, want %q", tc.root, tc.dir, tc.file, got, tc.want)
		}
	}
}
