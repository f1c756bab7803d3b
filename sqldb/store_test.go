package sqldb_test

import (
	"context"
	"testing"

	"lectern"
	"lectern/sqldb"
	"lectern/storetest"
)

// TestStore runs the one store suite on each dialect, as River's
// riverdrivertest does on each of its drivers.
func TestStore(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(testing.TB) *sqldb.DB{"sqlite": MustOpenDB, "postgres": MustOpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(tb testing.TB) storetest.Stores { return stores(open(tb)) })
		})
	}
}

func stores(db *sqldb.DB) storetest.Stores {
	return storetest.Stores{
		Users:       sqldb.NewUserService(db),
		Groups:      sqldb.NewGroupService(db),
		Types:       sqldb.NewVideoTypeService(db),
		Recorders:   sqldb.NewRecorderService(db),
		Tokens:      sqldb.NewTokenService(db),
		Treatments:  sqldb.NewTreatmentService(db, nil),
		Sightings:   sqldb.NewSightingService(db),
		Recordings:  sqldb.NewRecordingService(db, nil),
		Messages:    sqldb.NewMessageService(db, nil),
		Videos:      sqldb.NewVideoService(db, nil),
		Enrichments: sqldb.NewEnrichmentService(db),

		RecordingFiles: sqldb.NewRecordingFileService(db),
		Nodes:          sqldb.NewNodeService(db),
		Once:           sqldb.NewOnceService(db),
		SSOSessions:    sqldb.NewSSOSessionService(db),
		Events:         sqldb.NewEventService(db),
		Feeds:          sqldb.NewFeedService(db),
		Agents:         sqldb.NewCaptureAgentService(db),
		Health:         sqldb.NewRecorderHealthService(db),
	}
}

// TestTokenNotInClear checks that only the token's hash reaches the disk.
func TestTokenNotInClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpenDB(t)
	u := &lectern.User{Username: "carol", IsActive: true}
	if err := sqldb.NewUserService(db).CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, err := sqldb.NewTokenService(db).CreateToken(ctx, u.ID)
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
