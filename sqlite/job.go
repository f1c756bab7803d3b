package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"lectern"
)

// enqueue inserts the job args ask for in tx, through q (River's
// InsertTx): the job commits with the row that calls for it, or neither
// does. A nil q enqueues nothing, for tests and tools that run no
// workers; `lectern` always gives one.
func enqueue(ctx context.Context, q lectern.Enqueuer, tx *sql.Tx, args lectern.JobArgs) error {
	if q == nil {
		return nil
	}
	if err := q.EnqueueTx(ctx, tx, args); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}
