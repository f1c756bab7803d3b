package sqldb

import (
	"context"
	"fmt"

	"lectern"
)

// enqueue inserts the job args ask for in tx, through q (River's
// InsertTx): the job commits with the row that calls for it, or neither
// does. q is handed the raw transaction, as it writes its own SQL in the
// driver's own placeholders. A nil q enqueues nothing, for tests and
// tools that run no workers; `lectern serve` always gives one.
func enqueue(ctx context.Context, q lectern.Enqueuer, tx *conn, args lectern.JobArgs) error {
	if q == nil {
		return nil
	}
	if tx.tx == nil {
		return fmt.Errorf("enqueue %s: not in a transaction", args.Kind())
	}
	if err := q.EnqueueTx(ctx, tx.tx, args); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}
