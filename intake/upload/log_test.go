package upload_test

import "lectern/internal/syncbuf"

// syncBuffer is the log sink the server writes to while the test reads.
type syncBuffer = syncbuf.Buffer
