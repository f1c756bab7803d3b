package sqldb

import "testing"

func TestRebind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b IN (?, ?)", "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{`x LIKE ? ESCAPE '\' AND y = '?' AND "q?" = ?`, `x LIKE ? ESCAPE '\' AND y = '?' AND "q?" = ?`, `x LIKE $1 ESCAPE '\' AND y = '?' AND "q?" = $2`},
		{"s = 'it''s ?' OR t = ?", "s = 'it''s ?' OR t = ?", "s = 'it''s ?' OR t = $1"},
	} {
		if got := sqliteDialect.rebind(tc.in); got != tc.sqlite {
			t.Errorf("sqlite rebind(%q) = %q", tc.in, got)
		}
		if got := postgresDialect.rebind(tc.in); got != tc.postgres {
			t.Errorf("postgres rebind(%q) = %q", tc.in, got)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://lectern:s3cr@t@db.example.org:5432/lectern?sslmode=require": "postgres://lectern:xxxxx@db.example.org:5432/lectern?sslmode=require",
		"postgres://lectern@db/lectern":                                         "postgres://lectern@db/lectern",
		"postgresql://db/lectern":                                               "postgresql://db/lectern",
		"postgres://u:p@/lectern?host=/x":                                       "postgres://u:xxxxx@/lectern?host=/x",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
