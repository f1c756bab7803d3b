// Package storetest is the suite every implementation of Lectern's store
// must pass (sqldb on SQLite and on PostgreSQL: sqldb's TestStore runs it on
// each): it speaks only to the service interfaces of package lectern.
package storetest

import (
	"context"
	"testing"

	"lectern"
)

// Stores are the services of one freshly opened, empty database.
type Stores struct {
	Users      lectern.UserService
	Groups     lectern.GroupService
	Types      lectern.VideoTypeService
	Recorders  lectern.RecorderService
	Tokens     lectern.TokenService
	Treatments lectern.TreatmentService
	Sightings  lectern.SightingService
	Recordings lectern.RecordingService
	Messages   lectern.MessageService
	Videos     lectern.VideoService
	// Enrichments are the videos' slides.
	Enrichments lectern.EnrichmentService
	// RecordingFiles are the HTTP uploads.
	RecordingFiles lectern.RecordingFileService
	// Nodes are the job workers' heartbeats and the install id.
	Nodes lectern.NodeService
	// Once and SSOSessions back single sign-on: used tickets and
	// assertions, and the sessions single logout ends.
	Once        lectern.OnceService
	SSOSessions lectern.SSOSessionService
	// Events are the recorders' schedules.
	Events lectern.EventService
	// Feeds are the schedules' iCalendar feeds.
	Feeds lectern.FeedService
	// Agents are the Opencast capture agents' reports.
	Agents lectern.CaptureAgentService
	// Health is the recorders' contacts and deposit counts.
	Health lectern.RecorderHealthService
}

// Open returns the services of a new empty database that lives until the
// test ends.
type Open func(tb testing.TB) Stores

// Run runs the whole suite, each part on its own database, in parallel.
func Run(t *testing.T, open Open) {
	for name, test := range map[string]func(*testing.T, Open){
		"Users": testUsers, "Tokens": testTokens, "VideoTypes": testVideoTypes, "Recorders": testRecorders,
		"Treatments": testTreatments, "Sightings": testSightings,
		"IDsNotReused": testIDsNotReused, "TreatmentMove": testTreatmentMove, "DepositOutcome": testDepositOutcome,
		"Recordings": testRecordings, "Messages": testMessages, "Videos": testVideos, "VideoUpdate": testVideoUpdate, "Enrichments": testEnrichments, "RecordingFiles": testRecordingFiles,
		"MemberFilters": testMemberFilters, "Nodes": testNodes, "Counts": testCounts, "Groups": testGroups,
		"SSOAccounts": testSSOAccounts, "Once": testOnce, "OnceRace": testOnceRace, "SSOSessions": testSSOSessions,
		"Events": testEvents, "TreatmentParts": testTreatmentParts, "Feeds": testFeeds,
		"CaptureAgents": testCaptureAgents, "EventRouting": testEventRouting, "RecorderHealth": testRecorderHealth,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open)
		})
	}
}

func testUsers(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	users, groups := s.Users, s.Groups

	g := &lectern.Group{Name: "teachers"}
	if err := groups.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	u := &lectern.User{Username: "alice", Email: "alice@example.org", IsStaff: true, IsActive: true, PasswordHash: "h", Groups: []int64{g.ID}}
	if err := users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := users.FindUserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || !got.IsStaff || got.PasswordHash != "h" || len(got.Groups) != 1 || got.DateJoined.IsZero() {
		t.Fatalf("got %+v", got)
	}
	if err := users.CreateUser(ctx, &lectern.User{Username: "alice"}); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("duplicate username: %v", err)
	}
	if err := users.CreateUser(ctx, &lectern.User{Username: "bad name!"}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Fatalf("bad username: %v", err)
	}
	got.FirstName = "Alice"
	if err := users.UpdateUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := users.SetUserPassword(ctx, got.ID, "h2"); err != nil {
		t.Fatal(err)
	}
	if err := users.TouchUserLogin(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = users.FindUserByID(ctx, u.ID)
	if got.FirstName != "Alice" || got.PasswordHash != "h2" || got.LastLogin.IsZero() {
		t.Fatalf("after update: %+v", got)
	}
	list, total, err := users.FindUsers(ctx, lectern.UserFilter{Search: "ALI"})
	if err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("search: %d %d %v", total, len(list), err)
	}
	// A NUL byte finds nobody (SQLite's lower() stops at it: "%" would
	// match everyone) and fails nothing (PostgreSQL's text refuses it).
	for _, q := range []string{"\x00", "\x00\x00", "a\x00"} {
		if _, total, err := users.FindUsers(ctx, lectern.UserFilter{Search: q}); err != nil || total != 0 {
			t.Errorf("search %q: %d, %v; want nobody", q, total, err)
		}
	}
	if _, err := users.FindUserByID(ctx, 999); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("missing user: %v", err)
	}
	if err := users.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := users.CountUsers(ctx); n != 0 {
		t.Fatalf("count after delete = %d", n)
	}
}

func testTokens(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	users, tokens := s.Users, s.Tokens
	u := &lectern.User{Username: "bob", IsActive: true}
	if err := users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.CreateToken(ctx, u.ID)
	if err != nil || len(tok) != 40 {
		t.Fatalf("token %q, %v", tok, err)
	}
	got, err := tokens.FindUserByToken(ctx, tok)
	if err != nil || got.ID != u.ID {
		t.Fatalf("find by token: %v %v", got, err)
	}
	if _, err := tokens.FindUserByToken(ctx, "nope"); lectern.ErrorCode(err) != lectern.EUNAUTHORIZED {
		t.Fatalf("bad token: %v", err)
	}
	u.IsActive = false
	users.UpdateUser(ctx, u)
	if _, err := tokens.FindUserByToken(ctx, tok); lectern.ErrorCode(err) != lectern.EUNAUTHORIZED {
		t.Fatalf("inactive user's token: %v", err)
	}
	if _, err := tokens.CreateToken(ctx, 999); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("token for missing user: %v", err)
	}
}

func testVideoTypes(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	types := s.Types
	vt := &lectern.VideoType{Title: "Course"}
	if err := types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	if err := types.CreateVideoType(ctx, &lectern.VideoType{Title: "Course"}); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("duplicate: %v", err)
	}
	vt.Title = "Lecture"
	if err := types.UpdateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	list, total, err := types.FindVideoTypes(ctx, lectern.Page{})
	if err != nil || total != 1 || list[0].Title != "Lecture" {
		t.Fatalf("list: %v %d %v", list, total, err)
	}
	// A type used by a recorder cannot go.
	recs := s.Recorders
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "r", "10.0.0.1", "r", vt.ID
	if err := recs.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := types.DeleteVideoType(ctx, vt.ID); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("delete used type: %v", err)
	}
	recs.DeleteRecorder(ctx, r.ID)
	if err := types.DeleteVideoType(ctx, vt.ID); err != nil {
		t.Fatal(err)
	}
}

func testRecorders(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	users, types, groups, recs := s.Users, s.Types, s.Groups, s.Recorders

	vt := &lectern.VideoType{Title: "Course"}
	types.CreateVideoType(ctx, vt)
	mgr := &lectern.User{Username: "mgr", IsActive: true}
	other := &lectern.User{Username: "other", IsActive: true}
	users.CreateUser(ctx, mgr)
	users.CreateUser(ctx, other)
	g := &lectern.Group{Name: "g"}
	groups.CreateGroup(ctx, g)

	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "Amphi A", "192.168.1.1", "amphia", vt.ID
	r.UserID = &mgr.ID
	r.AdditionalUsers = []int64{other.ID}
	r.RestrictAccessToGroups = []int64{g.ID}
	r.CredentialsLogin, r.CredentialsPasswordHash = "amphia", "hash"
	r.SFTPAuthorizedKeys = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWR2ACMXl2hmGKybHrvJipoAjgCLDwD2XJgoL6BgfsW smp@room"
	r.Tags, r.Licence, r.MainLang = "math course", "by-sa", "fr"
	if err := recs.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := recs.FindRecorderByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Amphi A" || got.UserID == nil || *got.UserID != mgr.ID || len(got.AdditionalUsers) != 1 ||
		len(got.RestrictAccessToGroups) != 1 || !got.IsDraft || got.Licence != "by-sa" || got.IPUnder() != "192_168_1_1" || !got.HasFTP() ||
		got.SFTPAuthorizedKeys != r.SFTPAuthorizedKeys {
		t.Fatalf("got %+v", got)
	}
	login := "amphia"
	if _, err := lectern.FindRecorder(ctx, recs, lectern.RecorderFilter{CredentialsLogin: &login}); err != nil {
		t.Fatalf("by login: %v", err)
	}

	conflicts := map[string]func(*lectern.Recorder){
		"name":              func(x *lectern.Recorder) { x.Name = "Amphi A" },
		"address_ip":        func(x *lectern.Recorder) { x.AddressIP = "192.168.1.1" },
		"directory":         func(x *lectern.Recorder) { x.Directory = "amphia" },
		"credentials_login": func(x *lectern.Recorder) { x.CredentialsLogin, x.CredentialsPasswordHash = "amphia", "h" },
	}
	for field, mutate := range conflicts {
		x := lectern.NewRecorder()
		x.Name, x.AddressIP, x.Directory, x.TypeID = "B", "10.0.0.2", "b", vt.ID
		mutate(x)
		err := recs.CreateRecorder(ctx, x)
		if lectern.ErrorCode(err) != lectern.ECONFLICT || lectern.ErrorFields(err)[field] == "" {
			t.Errorf("%s conflict: %v", field, err)
		}
	}
	x := lectern.NewRecorder()
	x.Name, x.AddressIP, x.Directory, x.TypeID = "B", "10.0.0.2", "b", 999
	if err := recs.CreateRecorder(ctx, x); lectern.ErrorFields(err)["type"] == "" {
		t.Errorf("unknown type: %v", err)
	}
	bad := int64(999)
	x.TypeID, x.UserID = vt.ID, &bad
	if err := recs.CreateRecorder(ctx, x); lectern.ErrorFields(err)["user"] == "" {
		t.Errorf("unknown manager: %v", err)
	}

	for _, c := range []struct {
		user int64
		want int
	}{{mgr.ID, 1}, {other.ID, 1}, {999, 0}} {
		_, n, err := recs.FindRecorders(ctx, lectern.RecorderFilter{Member: &c.user})
		if err != nil || n != c.want {
			t.Errorf("Member %d: %d recorders, %v; want %d", c.user, n, err, c.want)
		}
	}

	got.Name = "Amphi B"
	got.AdditionalUsers = nil
	if err := recs.UpdateRecorder(ctx, got); err != nil {
		t.Fatal(err)
	}
	list, total, err := recs.FindRecorders(ctx, lectern.RecorderFilter{Search: "amphi b"})
	if err != nil || total != 1 || len(list[0].AdditionalUsers) != 0 {
		t.Fatalf("search after update: %v %d %v", list, total, err)
	}
	// The manager cannot be deleted while managing.
	if err := users.DeleteUser(ctx, mgr.ID); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("delete manager: %v", err)
	}
	if err := recs.DeleteRecorder(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := recs.DeleteRecorder(ctx, r.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
}
