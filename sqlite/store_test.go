package sqlite_test

import (
	"context"
	"testing"

	"lectern"
	"lectern/sqlite"
	"lectern/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(tb testing.TB) storetest.Stores {
		db := MustOpenDB(tb)
		return storetest.Stores{
			Users:       sqlite.NewUserService(db),
			Groups:      sqlite.NewGroupService(db),
			Types:       sqlite.NewVideoTypeService(db),
			Recorders:   sqlite.NewRecorderService(db),
			Tokens:      sqlite.NewTokenService(db),
			Treatments:  sqlite.NewTreatmentService(db, nil),
			Sightings:   sqlite.NewSightingService(db),
			Recordings:  sqlite.NewRecordingService(db, nil),
			Messages:    sqlite.NewMessageService(db, nil),
			Videos:      sqlite.NewVideoService(db, nil),
			Enrichments: sqlite.NewEnrichmentService(db),

			RecordingFiles: sqlite.NewRecordingFileService(db),
		}
	})
}

// TestTokenNotInClear checks that only the token's hash reaches the disk.
func TestTokenNotInClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpenDB(t)
	u := &lectern.User{Username: "carol", IsActive: true}
	if err := sqlite.NewUserService(db).CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, err := sqlite.NewTokenService(db).CreateToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.SQL().QueryRowContext(ctx, "SELECT hash FROM api_tokens").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == tok || stored != lectern.HashToken(tok) {
		t.Fatalf("stored %q for token %q", stored, tok)
	}
}
