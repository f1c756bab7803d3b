package api_test

import (
	"net/http"
	"testing"
)

func TestUserList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", "/api/v1/users", as(b.super), nil)
	want(t, r, http.StatusOK)
	var p pageJSON
	r.decode(t, &p)
	if p.Count != 3 || len(p.Results) != 3 {
		t.Fatalf("users: %s", r.body)
	}

	r = b.do(t, "GET", "/api/v1/users?search=STAFF", as(b.super), nil)
	want(t, r, http.StatusOK)
	var list struct {
		Count   int              `json:"count"`
		Results []map[string]any `json:"results"`
	}
	r.decode(t, &list)
	if list.Count != 1 || len(list.Results) != 1 {
		t.Fatalf("search: %s", r.body)
	}
	u := list.Results[0]
	if u["username"] != "staffer" || u["is_staff"] != true || u["is_superuser"] != false || u["last_login"] != nil {
		t.Errorf("user: %v", u)
	}
	if groups, ok := u["groups"].([]any); !ok || len(groups) != 0 {
		t.Errorf("groups = %v", u["groups"])
	}
	for _, k := range []string{"password", "password_hash", "PasswordHash"} {
		if _, ok := u[k]; ok {
			t.Errorf("user shows %s", k)
		}
	}
}
