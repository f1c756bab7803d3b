package main

import (
	"fmt"
	"testing"

	"lectern/mail/smtptest"
)

// managerSite is the site several journeys start from: a serve in
// English with real mail (smtpd), fast encodes and the manager's choice of
// owner, a video type, jdupont (Jeanne Dupont, staff) managing "Amphi A"
// (FTP login amphia / ftp-a, address ip), and a teacher with no staff
// rights who will own what jdupont publishes (password "pw-<username>").
func managerSite(t *testing.T, ip, teacher, first, last string) (*cli, *server, *smtptest.Server) {
	t.Helper()
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_LANGUAGE_CODE=en",
		"LECTERN_ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER=true"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-jdupont\n", "user", "add", "--username", "jdupont", "--email", "jdupont@univ.example",
		"--first-name", "Jeanne", "--last-name", "Dupont", "--staff", "--password-stdin")
	c.mustRun(t, "pw-"+teacher+"\n", "user", "add", "--username", teacher, "--email", teacher+"@univ.example",
		"--first-name", first, "--last-name", last, "--password-stdin")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", ip, "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "amphia", "--password-stdin")
	return c, s, smtpd
}
