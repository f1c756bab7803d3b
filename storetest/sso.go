package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

// testSSOAccounts checks what single sign-on keeps on accounts and
// groups: the account's AuthType (local unless told) and affiliation,
// the email filter, the groups' AutoSync flag.
func testSSOAccounts(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	users, groups := s.Users, s.Groups

	local := &lectern.User{Username: "admin", Email: "Admin@Univ.example", IsActive: true, PasswordHash: "h"}
	sso := &lectern.User{Username: "alice", Email: "alice@univ.example", IsActive: true, AuthType: lectern.AuthCAS, Affiliation: "faculty"}
	for _, u := range []*lectern.User{local, sso} {
		if err := users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if local.AuthType != lectern.AuthLocal {
		t.Errorf("CreateUser without AuthType left %q; want %q", local.AuthType, lectern.AuthLocal)
	}
	for _, want := range []*lectern.User{local, sso} {
		got, err := users.FindUserByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AuthType != want.AuthType || got.Affiliation != want.Affiliation {
			t.Errorf("%s: auth type %q, affiliation %q; want %q, %q", want.Username, got.AuthType, got.Affiliation, want.AuthType, want.Affiliation)
		}
	}
	sso.AuthType, sso.Affiliation = lectern.AuthOIDC, "employee"
	if err := users.UpdateUser(ctx, sso); err != nil {
		t.Fatal(err)
	}
	got, err := users.FindUserByUsername(ctx, "alice")
	if err != nil || got.AuthType != lectern.AuthOIDC || got.Affiliation != "employee" || got.PasswordHash != "" {
		t.Errorf("after update: %+v, %v; want OIDC, employee, no password", got, err)
	}

	// Email is exact and ignores case.
	for email, want := range map[string][]string{
		"admin@univ.example": {"admin"}, "ALICE@UNIV.EXAMPLE": {"alice"}, "univ.example": nil, "lice@univ.example": nil,
	} {
		list, n, err := users.FindUsers(ctx, lectern.UserFilter{Email: &email})
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		if err != nil || n != len(want) || !cmp.Equal(names, want) {
			t.Errorf("Email %q: %v (%d), %v; want %v", email, names, n, err, want)
		}
	}

	// AutoSync is kept by CreateGroup and read by both finds.
	admins := &lectern.Group{Name: "admins"}
	faculty := &lectern.Group{Name: "faculty", AutoSync: true}
	for _, g := range []*lectern.Group{admins, faculty} {
		if err := groups.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	all, err := groups.FindGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*lectern.Group{admins, faculty}, all); diff != "" {
		t.Errorf("FindGroups (-want +got):\n%s", diff)
	}
	for _, want := range []*lectern.Group{admins, faculty} {
		g, err := groups.FindGroupByName(ctx, want.Name)
		if err != nil || *g != *want {
			t.Errorf("FindGroupByName(%q) = %+v, %v; want %+v", want.Name, g, err, want)
		}
	}
	if _, err := groups.FindGroupByName(ctx, "FACULTY"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FindGroupByName of another case: %v; want not found", err)
	}
}

// testOnce checks that a key is refused until it expires, then taken
// again, and that keys do not disturb each other.
func testOnce(t *testing.T, open Open) {
	ctx := context.Background()
	once := open(t).Once
	now := time.Now()
	later := now.Add(time.Hour)

	if err := once.UseOnce(ctx, "ST-1", later); err != nil {
		t.Fatal(err)
	}
	if err := once.UseOnce(ctx, "ST-1", later); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("second use: %v; want a conflict", err)
	}
	if err := once.UseOnce(ctx, "ST-1", later.Add(time.Hour)); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("second use with a later expiry: %v; want a conflict", err)
	}
	if err := once.UseOnce(ctx, "ST-2", later); err != nil {
		t.Errorf("another key: %v", err)
	}
	// A key whose record expired may be used again, and is then refused
	// until its new expiry.
	if err := once.UseOnce(ctx, "ST-3", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := once.UseOnce(ctx, "ST-3", later); err != nil {
		t.Errorf("use after expiry: %v", err)
	}
	if err := once.UseOnce(ctx, "ST-3", later); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("use after the renewed record: %v; want a conflict", err)
	}
	if err := once.UseOnce(ctx, "", later); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("empty key: %v; want invalid", err)
	}
}

// testOnceRace uses each key from two goroutines at once, as two nodes
// given the same replayed ticket would: exactly one wins each.
func testOnceRace(t *testing.T, open Open) {
	ctx := context.Background()
	once := open(t).Once
	later := time.Now().Add(time.Hour)
	const keys = 20
	for i := range keys {
		key := fmt.Sprintf("ST-race-%d", i)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for j := range errs {
			wg.Go(func() {
				<-start
				errs[j] = once.UseOnce(ctx, key, later)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch lectern.ErrorCode(err) {
			case "":
				won++
			case lectern.ECONFLICT:
			default:
				t.Errorf("%s: %v", key, err)
			}
		}
		if won != 1 {
			t.Errorf("%s: %d of 2 uses won (%v); want exactly 1", key, won, errs)
		}
	}
}

// testSSOSessions checks that an index's tokens are taken once, each
// source and index apart, and that expired ones are never returned.
func testSSOSessions(t *testing.T, open Open) {
	ctx := context.Background()
	sso := open(t).SSOSessions
	now := time.Now()
	later := now.Add(time.Hour)

	for _, r := range []struct{ source, index, token string }{
		{lectern.AuthCAS, "ST-1", "tok-b"}, {lectern.AuthCAS, "ST-1", "tok-a"}, {lectern.AuthCAS, "ST-1", "tok-a"},
		{lectern.AuthCAS, "ST-2", "tok-c"}, {lectern.AuthSAML, "ST-1", "tok-d"},
	} {
		if err := sso.RememberSSOSession(ctx, r.source, r.index, r.token, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := sso.RememberSSOSession(ctx, lectern.AuthCAS, "ST-1", "tok-gone", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := sso.RememberSSOSession(ctx, lectern.AuthCAS, "", "tok", later); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("empty index: %v; want invalid", err)
	}
	take := func(source, index string, want ...string) {
		t.Helper()
		got, err := sso.TakeSSOSessions(ctx, source, index)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("TakeSSOSessions(%s, %s) (-want +got):\n%s", source, index, diff)
		}
	}
	take(lectern.AuthCAS, "ST-1", "tok-a", "tok-b")
	take(lectern.AuthCAS, "ST-1")
	take(lectern.AuthCAS, "ST-3")
	take(lectern.AuthSAML, "ST-1", "tok-d")
	take(lectern.AuthCAS, "ST-2", "tok-c")

	// An expired session is not returned, even when its index is taken
	// before any other write.
	if err := sso.RememberSSOSession(ctx, lectern.AuthOIDC, "sid", "tok-old", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	take(lectern.AuthOIDC, "sid")
}
