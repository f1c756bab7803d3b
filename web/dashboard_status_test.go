package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"lectern"
)

// tile reads the count and the link of the status tile key; "" when the
// page has no such tile.
func tile(res response, key string) (count, href string) {
	re := regexp.MustCompile(`<a class="tile status-tile[^"]*" href="([^"]*)" data-status="` + key +
		`">\s*<span class="tile-title">[^<]*</span>\s*<span class="status-count">(\d+)</span>`)
	m := re.FindStringSubmatch(res.body)
	if m == nil {
		return "", ""
	}
	return m[2], strings.ReplaceAll(m[1], "&amp;", "&")
}

// statusBundle holds two deposits to claim, a video encoding, a job that
// failed for good, and three mails (one sent).
func statusBundle(tb testing.TB, smtp bool) *testBundle {
	tb.Helper()
	b := setupJobs(tb, func(c *Config) { c.AllowManualRecordingClaiming, c.SMTPConfigured = true, smtp })
	ctx := context.Background()
	b.user("root", true, true)
	b.user("staff", true, false)
	b.treatment("nobody/a.mp4", nil, 1)
	b.treatment("nobody/b.mp4", nil, 2)
	msgs := b.mailedDeposits(3) // mgr manages Amphi
	if err := b.messages.MarkMessageSent(ctx, msgs[0].ID, msgs[0].CreatedAt); err != nil {
		tb.Fatal(err)
	}
	mgr, err := b.users.FindUserByUsername(ctx, "mgr")
	if err != nil {
		tb.Fatal(err)
	}
	v := b.video(mgr, "Encoding lecture")
	b.setEncoding(v, lectern.EncodingRunning, 40, "")
	b.video(mgr, "Waiting lecture")
	recs, _, err := b.recorders.FindRecorders(ctx, lectern.RecorderFilter{})
	if err != nil || len(recs) != 1 {
		tb.Fatalf("recorders: %v %v", recs, err)
	}
	rc := b.recording(recs[0], mgr, "Broken lecture")
	if _, err := b.db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = datetime('now')
		WHERE json_extract(json(args), '$.recording_id') = ?`, rc.ID); err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestStatusTiles(t *testing.T) {
	t.Parallel()
	b := statusBundle(t, false)
	c := b.client()
	c.login("root")
	res := c.get("/")
	want(t, res, http.StatusOK)
	for _, tc := range []struct{ key, count, href, list, listCount string }{
		{"claim", "2", "/record/claim_record/", "/record/claim_record/", "2 recordings waiting"},
		{"encoding", "1", "/admin/videos/?state=running", "/admin/videos/?state=running", "1 video"},
		{"failed_jobs", "1", "/admin/jobs/?state=discarded", "/admin/jobs/?state=discarded", "1 job"},
		{"unsent_mail", "2", "/admin/outbox/?state=unsent", "/admin/outbox/?state=unsent", "2 messages"},
	} {
		n, href := tile(res, tc.key)
		if n != tc.count || href != tc.href {
			t.Errorf("tile %s: %q linking to %q, want %s linking to %s", tc.key, n, href, tc.count, tc.href)
		}
		// The tile's list shows what it counted.
		wantBody(t, c.get(tc.list), tc.listCount)
	}
	wantBody(t, res, "Encoding now", "Failed jobs", "Mail not sent", "No SMTP server configured: no mail leaves until SMTP_URL is set.",
		`class="tile status-tile status-alert" href="/admin/jobs/?state=discarded"`)

	// The outbox says why each message not sent is not.
	res = c.get("/admin/outbox/?state=unsent")
	if n := strings.Count(res.body, "Not sent: no SMTP server configured"); n != 2 {
		t.Errorf("the unsent list says %d times why, want 2", n)
	}
	wantBody(t, res, `<option value="unsent" selected>`)
	res = c.get("/admin/outbox/")
	if n := strings.Count(res.body, "Not sent: no SMTP server configured"); n != 2 {
		t.Errorf("the outbox says %d times why messages are not sent, want 2 (one of 3 was sent)", n)
	}
	msgs := b.outbox()
	wantBody(t, c.get("/admin/outbox/"+id64(msgs[0].ID)+"/"), "Not sent: no SMTP server configured")

	// Staff see the tiles of the lists they may open.
	s := b.client()
	s.login("staff")
	res = s.get("/")
	if n, href := tile(res, "claim"); n != "2" || href != "/record/claim_record/" {
		t.Errorf("staff's claim tile: %q %q", n, href)
	}
	for _, key := range []string{"encoding", "failed_jobs", "unsent_mail"} {
		if n, _ := tile(res, key); n != "" {
			t.Errorf("staff see the %s tile", key)
		}
	}

	c.language = "fr"
	res = c.get("/")
	wantNoKeys(t, "/", res)
	wantBody(t, res, "À revendiquer", "En cours d’encodage", "Tâches en échec", "Courriels non envoyés",
		"Aucun serveur SMTP configuré : aucun courriel ne part tant que SMTP_URL n’est pas renseigné.")
	res = c.get("/admin/outbox/")
	wantNoKeys(t, "/admin/outbox/", res)
	wantBody(t, res, "Non envoyé : aucun serveur SMTP configuré", "Non envoyés (en attente ou en échec)")
}

func TestNoSMTPBanner(t *testing.T) {
	t.Parallel()
	const banner = "No SMTP server is configured: recorders’ managers receive nothing"
	b := statusBundle(t, false)
	c := b.client()
	c.login("root")
	for _, path := range []string{"/", "/admin/", "/admin/outbox/", "/admin/jobs/", "/admin/treatments/"} {
		res := c.get(path)
		want(t, res, http.StatusOK)
		wantBody(t, res, `data-no-smtp`, banner, `href="/admin/outbox/?state=unsent"`)
	}
	if strings.Contains(c.get("/recorders/").body, "data-no-smtp") {
		t.Error("the banner is on a page outside the dashboard and the administration")
	}
	c.language = "fr"
	wantBody(t, c.get("/admin/"), "Aucun serveur SMTP n’est configuré : les gestionnaires des enregistreurs ne reçoivent rien")
	for _, who := range []string{"staff", "mgr"} {
		s := b.client()
		s.login(who)
		if strings.Contains(s.get("/").body, "data-no-smtp") {
			t.Errorf("%s sees the SMTP banner", who)
		}
	}

	// With SMTP_URL: no banner, no note, the tile counts what waits.
	b = statusBundle(t, true)
	c = b.client()
	c.login("root")
	for _, path := range []string{"/", "/admin/", "/admin/outbox/"} {
		res := c.get(path)
		if strings.Contains(res.body, "data-no-smtp") || strings.Contains(res.body, "Not sent: no SMTP") ||
			strings.Contains(res.body, "No SMTP server") {
			t.Errorf("%s speaks of a missing SMTP server while one is configured", path)
		}
	}
	res := c.get("/")
	wantBody(t, res, "messages waiting to be delivered, or failed")
	if n, _ := tile(res, "unsent_mail"); n != "2" {
		t.Errorf("unsent mail tile: %q", n)
	}
}
