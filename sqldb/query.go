package sqldb

import (
	"context"
	"fmt"
	"strings"

	"lectern"
)

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(...any) error }

// where collects the conditions and arguments of a WHERE clause.
type where struct {
	conds []string
	args  []any
}

// add appends a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// search adds a case-insensitive substring match of q on any of cols.
func (w *where) search(q string, cols ...string) {
	if q = strings.TrimSpace(q); q == "" {
		return
	}
	if strings.ContainsRune(q, 0) {
		w.nothing()
		return
	}
	ors := make([]string, len(cols))
	for i, c := range cols {
		ors[i] = `lower(` + c + `) LIKE lower(?) ESCAPE '\'`
		w.args = append(w.args, like(q))
	}
	w.conds = append(w.conds, "("+strings.Join(ors, " OR ")+")")
}

// in adds col IN (values); an empty list adds nothing.
func (w *where) in(col string, values []string) {
	if len(values) == 0 {
		return
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	w.add(col+" IN ("+marks+")", args...)
}

// member keeps the rows whose recorder_id is a recorder user manages or
// helps with (lectern.RecorderFilter.Member's rule).
func (w *where) member(user *int64) {
	if user != nil {
		w.add("recorder_id IN (SELECT id FROM recorders WHERE user_id = ? UNION SELECT recorder_id FROM recorder_additional_users WHERE user_id = ?)", *user, *user)
	}
}

// searchBelow is search on col, matching only the part of the path below
// folder when folder is set (lectern.TreatmentFilter.SearchBelow).
func (w *where) searchBelow(q, folder, col string) {
	if q = strings.TrimSpace(q); q == "" || folder == "" || strings.ContainsRune(q, 0) {
		w.search(q, col)
		return
	}
	w.add(`lower(substr(`+col+`, length(CAST(? AS TEXT)) + 2)) LIKE lower(?) ESCAPE '\'`, strings.TrimSuffix(folder, "/"), like(q))
}

// nothing keeps no row: a search holding a NUL byte, which no stored text
// has (SQLite's lower() would stop at it and match everything;
// PostgreSQL's text refuses it).
func (w *where) nothing() { w.conds = append(w.conds, "1 = 0") }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.conds, " AND ")
}

// findPage counts the rows of table matching w and returns one page of
// them in order, each read by scan.
func findPage[T any](ctx context.Context, q queryer, table, columns string, w *where, order string, page lectern.Page,
	scan func(rowScanner) (T, error)) ([]T, int, error) {
	total, err := countRows(ctx, q, table, w)
	if err != nil {
		return nil, 0, err
	}
	page = page.Normalize()
	rows, err := q.QueryContext(ctx, "SELECT "+columns+" FROM "+table+" WHERE "+w.String()+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(append([]any{}, w.args...), page.Size, page.Offset())...)
	if err != nil {
		return nil, 0, fmt.Errorf("find %s: %w", table, err)
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan %s: %w", table, err)
		}
		list = append(list, v)
	}
	return list, total, rows.Err()
}

// countRows counts the rows of table matching w.
func countRows(ctx context.Context, q queryer, table string, w *where) (int, error) {
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+w.String(), w.args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return total, nil
}

// execOne runs one statement in its own transaction (execOneTx).
func (db *DB) execOne(ctx context.Context, op string, notFound, inUse error, query string, args ...any) error {
	return db.withTx(ctx, func(tx *conn) error {
		return execOneTx(ctx, tx, op, notFound, inUse, query, args...)
	})
}

// execOneTx runs one statement in tx and returns notFound when it
// touched no row. A foreign key failure is returned as inUse when inUse
// is not nil.
func execOneTx(ctx context.Context, tx *conn, op string, notFound, inUse error, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if inUse != nil && isForeignKey(err) {
		return inUse
	} else if err != nil {
		return fmt.Errorf("%s %v: %w", op, args[len(args)-1], err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}
