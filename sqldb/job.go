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

// retry makes job id run again in tx, through q (a lectern.Retrier:
// River's JobRetryTx), with the row that says it waits again. A nil q
// does nothing, as enqueue.
func retry(ctx context.Context, q lectern.Enqueuer, tx *conn, id int64) error {
	if q == nil {
		return nil
	}
	r, ok := q.(lectern.Retrier)
	if !ok {
		return fmt.Errorf("retry job %d: the job queue cannot retry in a transaction", id)
	}
	if tx.tx == nil {
		return fmt.Errorf("retry job %d: not in a transaction", id)
	}
	if err := r.RetryTx(ctx, tx.tx, id); err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	return nil
}
