package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lectern"
)

const testSSHKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWR2ACMXl2hmGKybHrvJipoAjgCLDwD2XJgoL6BgfsW pearl@room"

// The recorder's page shows the SFTP settings and the server's host key
// fingerprints when the SFTP server runs; its form takes public keys,
// checked on save.
func TestRecorderSFTP(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) {
		c.SFTPPort = 2222
		c.SFTPHostKeys = []string{"ssh-ed25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	})
	b.user("root", true, true)
	course := b.videoType("Course")
	c := b.client()
	c.login("root")
	form := recorderForm("Pearl", "192.168.1.30", "pearl", course.ID)
	form.Set("credentials_login", "pearl")
	form.Set("credentials_password", "ftp-secret")
	form.Set("sftp_authorized_keys", "from=\"10.0.0.1\" "+testSSHKey)
	res := c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusBadRequest)
	wantBody(t, res, "Enter OpenSSH public keys, one per line")
	if _, err := lectern.FindRecorder(context.Background(), b.recorders, lectern.RecorderFilter{Name: ptr("Pearl")}); err == nil {
		t.Fatal("a recorder with a bad key was saved")
	}

	form.Set("sftp_authorized_keys", testSSHKey+"\r\n")
	want(t, c.post("/admin/recorders/add/", form), http.StatusSeeOther)
	rec, err := lectern.FindRecorder(context.Background(), b.recorders, lectern.RecorderFilter{Name: ptr("Pearl")})
	if err != nil || rec.SFTPAuthorizedKeys != testSSHKey {
		t.Fatalf("saved keys %q, %v", rec.SFTPAuthorizedKeys, err)
	}
	res = c.get(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, "<dd>SFTP</dd>", "<code>2222</code>", "ssh-ed25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"a public key is set on this recorder", testSSHKey+"</textarea>")

	// Without the SFTP server, no SFTP settings.
	b2 := setup(t)
	b2.user("root", true, true)
	c2 := b2.client()
	c2.login("root")
	form = recorderForm("Pearl", "192.168.1.30", "pearl", b2.videoType("Course").ID)
	form.Set("credentials_login", "pearl")
	form.Set("credentials_password", "ftp-secret")
	want(t, c2.post("/admin/recorders/add/", form), http.StatusSeeOther)
	rec, _ = lectern.FindRecorder(context.Background(), b2.recorders, lectern.RecorderFilter{Name: ptr("Pearl")})
	res = c2.get(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	if strings.Contains(res.body, "<dd>SFTP</dd>") {
		t.Error("SFTP settings shown without the SFTP server")
	}
}
