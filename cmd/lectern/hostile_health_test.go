package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lectern"
	"lectern/sqldb"
)

// TestHostileHealth is the sweep of the recorders' health: a recorder's
// page (/recorders/<id>/) is its members' and the superusers' alone (an
// additional user of another recorder, another recorder's manager, a
// plain user and a visitor see nothing of it), bad ids and methods are
// refused, and a login tried by FTP with control characters and markup,
// or thousands of bytes long, is kept bounded and shown escaped. The
// refused requests leave the files and rows as they were.
func TestHostileHealth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	site := newTwoRecorders(t)
	c, s, h := site.c, site.s, site.h
	c.addUser(t, "helper", "--staff") // helps with B
	// C is at a loopback address, so that this test's FTP client comes
	// from it.
	c.mustRun(t, "ftp-c\n", "recorder", "add", "--name", "Amphi C", "--ip", "127.0.0.3", "--directory", "amphi-c",
		"--type-id", fmt.Sprint(site.typeID), "--manager", "mgr", "--login", "amphic", "--password-stdin")
	db := c.open(t)
	recs := sqldb.NewRecorderService(db)
	users := sqldb.NewUserService(db)
	helper, err := users.FindUserByUsername(ctx, "helper")
	if err != nil {
		t.Fatal(err)
	}
	recB, err := recs.FindRecorderByID(ctx, site.recIDs["Amphi B"])
	if err != nil {
		t.Fatal(err)
	}
	recB.AdditionalUsers = []int64{helper.ID}
	if err := recs.UpdateRecorder(ctx, recB); err != nil {
		t.Fatal(err)
	}
	var recCID int64
	if err := db.SQL().QueryRow("SELECT id FROM recorders WHERE name = 'Amphi C'").Scan(&recCID); err != nil {
		t.Fatal(err)
	}
	pathA, pathB, pathC := fmt.Sprintf("/recorders/%d/", site.recIDs["Amphi A"]), fmt.Sprintf("/recorders/%d/", recB.ID),
		fmt.Sprintf("/recorders/%d/", recCID)
	boss, mgr, other, pleb, help := h.login("boss"), h.login("mgr"), h.login("other"), h.login("pleb"), h.login("helper")
	// The members see theirs (what the rows below must not).
	for b, path := range map[*browser]string{help: pathB, other: pathB, mgr: pathA, boss: pathA} {
		if page := h.page(b, path); !strings.Contains(page, `id="health"`) {
			t.Fatalf("%s: no health block", path)
		}
	}
	healthRows := func() (n int) {
		t.Helper()
		for _, table := range []string{"recorder_contacts", "login_failures"} {
			var k int
			if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&k); err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}

	get := func(b *browser, path string) (int, string, string) {
		t.Helper()
		resp, body := b.do(http.MethodGet, s.url+path, nil)
		return resp.StatusCode, body, resp.Request.URL.Path
	}
	noHealth := func(t *testing.T, what, body, name string) {
		t.Helper()
		if strings.Contains(body, "data-verdict") || strings.Contains(body, name) {
			t.Errorf("%s shows the health of %s", what, name)
		}
	}
	rows := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"another recorder's manager does not see its health", func(t *testing.T) {
			st, body, _ := get(other, pathA)
			h.refused(t, "other GET A", st, body, http.StatusNotFound)
			noHealth(t, "other's GET A", body, "Amphi A")
		}},
		{"an additional user of another recorder does not see its health", func(t *testing.T) {
			st, body, _ := get(help, pathA)
			h.refused(t, "helper GET A", st, body, http.StatusNotFound)
			noHealth(t, "helper's GET A", body, "Amphi A")
		}},
		{"a recorder's manager does not see another's on the recorder list", func(t *testing.T) {
			_, body, _ := get(mgr, "/recorders/")
			if strings.Contains(body, "Amphi B") || strings.Contains(body, pathB) {
				t.Error("mgr's recorder list shows Amphi B")
			}
		}},
		{"a plain user sees no recorder's page", func(t *testing.T) {
			st, body, _ := get(pleb, pathB)
			h.refused(t, "pleb GET B", st, body, http.StatusForbidden)
			noHealth(t, "pleb's GET B", body, "Amphi B")
		}},
		{"a visitor is sent to the login", func(t *testing.T) {
			st, body, at := get(newBrowser(t, s.url), pathB)
			if st != http.StatusOK || at != "/accounts/login/" {
				t.Errorf("visitor GET B: %d at %s", st, at)
			}
			noHealth(t, "a visitor's GET B", body, "Amphi B")
		}},
		{"bad and tricked ids are not found", func(t *testing.T) {
			for _, path := range []string{"/recorders/0/", "/recorders/-1/", "/recorders/1e3/", "/recorders/99999999999999999999/",
				"/recorders/%2e%2e/", "/recorders/1%2F..%2F2/", "/recorders/999999/"} {
				st, body, _ := get(boss, path)
				h.refused(t, "boss GET "+path, st, body, http.StatusNotFound)
			}
		}},
		{"a POST, with or without a token, from here or elsewhere, is refused", func(t *testing.T) {
			for _, origin := range []string{s.url, "https://evil.example"} {
				req, _ := http.NewRequest(http.MethodPost, s.url+pathA, strings.NewReader("csrf_token=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", origin)
				resp, err := boss.hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Errorf("POST from %s: %d, want a refusal", origin, resp.StatusCode)
				}
			}
		}},
	}
	before, contacts := h.snapshot(), healthRows()
	for _, row := range rows {
		t.Run(row.name, row.run)
	}
	h.unchanged(t, before)
	if n := healthRows(); n != contacts {
		t.Errorf("the health rows went from %d to %d", contacts, n)
	}

	// Logins tried by FTP from C's address. 10 KB: the line is refused
	// before it is read as a login. Control characters and markup, 4000
	// bytes: kept, its first characters with the controls written out,
	// shown escaped to C's manager and the superusers.
	t.Run("a 10 KB login is refused unread", func(t *testing.T) {
		f := dialRawFTP(t, s.app.ftpAddr, "127.0.0.3")
		defer f.close()
		f.raw(t, "USER "+strings.Repeat("x", 10<<10)+"\r\n", 500)
	})
	evil := "\x1b[2J\x07<script>alert(1)</script>\u202e" + strings.Repeat("y", 4000)
	t.Run("a login with control characters is stored bounded and shown escaped", func(t *testing.T) {
		f := dialRawFTP(t, s.app.ftpAddr, "127.0.0.3")
		defer f.close()
		f.want(t, "USER "+evil, 331)
		f.want(t, "PASS guess", 530)
		var page string
		for deadline := time.Now().Add(20 * time.Second); ; {
			page = h.page(mgr, pathC)
			if strings.Contains(page, `data-verdict="login_failing"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no refused login on C's page after 20 s:\n%s", page)
			}
			time.Sleep(200 * time.Millisecond)
		}
		shown := `\x1b[2J\x07&lt;script&gt;alert(1)&lt;/script&gt;\u202eyyy`
		for _, b := range []*browser{mgr, boss} {
			for _, p := range []string{h.page(b, pathC), page} {
				if !strings.Contains(p, shown) || strings.Contains(p, "<script>alert") || strings.ContainsAny(p, "\x1b\x07\u202e") {
					t.Errorf("the login tried is not shown escaped:\n%.3000s", p)
				}
			}
		}
		if admin := h.page(boss, "/admin/recorders/"); !strings.Contains(admin, shown) || strings.ContainsAny(admin, "\x1b\x07\u202e") {
			t.Errorf("the admin list does not show the login tried escaped")
		}
		for _, b := range []*browser{other, help} {
			st, body, _ := get(b, pathC)
			h.refused(t, "GET C", st, body, http.StatusNotFound)
			if strings.Contains(body, "alert(1)") {
				t.Error("C's refused login shown to someone else")
			}
		}
		var logins []string
		rows, err := db.SQL().Query("SELECT login FROM login_failures")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			logins = append(logins, l)
		}
		if len(logins) != 1 || utf8.RuneCountInString(logins[0]) > lectern.LoginShownMax+1 || !strings.HasPrefix(logins[0], `\x1b[2J`) {
			t.Errorf("logins kept: %q", logins)
		}
	})
}
