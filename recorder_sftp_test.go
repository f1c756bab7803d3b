package lectern_test

import (
	"strings"
	"testing"

	"lectern"
)

func TestCheckAuthorizedKeys(t *testing.T) {
	t.Parallel()
	const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWR2ACMXl2hmGKybHrvJipoAjgCLDwD2XJgoL6BgfsW smp@room"
	const ec = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBgzox4aLLv32QN2aVl6CtmSG/H8l6DX2EyR02+zM4dvfZfdb8gW6gQWpxRb8DNw9+7hktdzLZiWxJGnr8689ag="
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{"empty", "", "", ""},
		{"one key", "  " + ed + "  ", ed, ""},
		{"comments and blank lines", "# pearl\r\n\r\n" + ed + "\n" + ec + "\n", "# pearl\n" + ed + "\n" + ec, ""},
		{"options", `from="10.0.0.1" ` + ed, "", "line 1: not a public key"},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----", "", "line 1: not a public key"},
		{"bad base64", "ssh-ed25519 AAAA!!!", "", "line 1: the key is not valid base64"},
		{"type mismatch", "ssh-rsa" + strings.TrimPrefix(ed, "ssh-ed25519"), "", "line 1: the key is not of type ssh-rsa"},
		{"truncated blob", "ssh-ed25519 AAAAC3Nz", "", "line 1: the key is not of type ssh-ed25519"},
		{"unknown type", "ssh-dss AAAAB3NzaC1kc3M=", "", "line 1: not a public key"},
		{"second line bad", ed + "\nnonsense", "", "line 2: not a public key"},
		{"too many", strings.Repeat(ed+"\n", lectern.MaxAuthorizedKeys+1), "", "at most 20 keys"},
		{"too long", strings.Repeat("#", lectern.MaxAuthorizedKeyBytes+1), "", "at most 16384 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lectern.CheckAuthorizedKeys(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// Keys need a login to log in under.
	r := &lectern.Recorder{Name: "r", AddressIP: "10.0.0.1", Directory: "r", RecordingType: lectern.RecordingTypeVideo, TypeID: 1, SFTPAuthorizedKeys: ed}
	if err := r.Validate(); err == nil || !strings.Contains(lectern.ErrorFields(err)["sftp_authorized_keys"], "login") {
		t.Fatalf("keys without a login: %v", err)
	}
}
