package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestRecorderCreateSalt: a recorder created without a salt gets a random
// one (as from the command line and the admin form), shown to the
// superuser who made it and different each time, so that its notify key
// cannot be computed from its IP; an explicit empty salt, which Pod
// allows, is kept; a PATCH without a salt keeps the stored one.
func TestRecorderCreateSalt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	salts := map[string]bool{}
	for i, body := range []map[string]any{{}, {"salt": nil}, {}} {
		body["name"], body["address_ip"], body["directory"], body["type"] = fmt.Sprintf("Random %d", i), fmt.Sprintf("10.9.0.%d", i+1),
			fmt.Sprintf("random%d", i), b.typeID
		r := b.do(t, "POST", "/api/v1/recorders", as(b.super), body)
		want(t, r, http.StatusCreated)
		var created recorderJSON
		r.decode(t, &created)
		stored, err := b.recorders.FindRecorderByID(b.ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored.Salt) < 20 || created.Salt == nil || *created.Salt != stored.Salt || salts[stored.Salt] {
			t.Fatalf("body %v: salt %q stored, %v answered; want a new random one, shown", body, stored.Salt, created.Salt)
		}
		salts[stored.Salt] = true
		// A PATCH without a salt keeps it.
		r = b.do(t, "PATCH", fmt.Sprintf("/api/v1/recorders/%d", created.ID), as(b.super), map[string]any{"description": "x"})
		want(t, r, http.StatusOK)
		if again, _ := b.recorders.FindRecorderByID(b.ctx, created.ID); again.Salt != stored.Salt {
			t.Fatalf("PATCH without a salt changed it: %q, was %q", again.Salt, stored.Salt)
		}
	}

	r := b.do(t, "POST", "/api/v1/recorders", as(b.super), map[string]any{
		"name": "Empty", "address_ip": "10.9.1.1", "directory": "empty", "type": b.typeID, "salt": "",
	})
	want(t, r, http.StatusCreated)
	var created recorderJSON
	r.decode(t, &created)
	if stored, err := b.recorders.FindRecorderByID(b.ctx, created.ID); err != nil || stored.Salt != "" {
		t.Fatalf("explicit empty salt: stored %q, %v", stored.Salt, err)
	}
	// And a PATCH may empty a salt too.
	path := fmt.Sprintf("/api/v1/recorders/%v", r.object(t)["id"])
	r = b.do(t, "PATCH", path, as(b.super), map[string]any{"salt": "pepper"})
	want(t, r, http.StatusOK)
	r = b.do(t, "PATCH", path, as(b.super), map[string]any{"salt": ""})
	want(t, r, http.StatusOK)
	if stored, _ := b.recorders.FindRecorderByID(b.ctx, created.ID); stored.Salt != "" {
		t.Fatalf("PATCH salt \"\": stored %q", stored.Salt)
	}
}
