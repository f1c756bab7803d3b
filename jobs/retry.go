package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// RetryDelays are the waits after the first, second... failed attempt;
// later failures wait as long as the last one. With MailMaxAttempts (10)
// a message is tried for about eight hours: a short SMTP outage costs
// seconds, a night-long one is covered.
var RetryDelays = []time.Duration{
	10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
}

// RetryPolicy implements river.ClientRetryPolicy with RetryDelays, each
// spread by ±10% so that jobs that failed together do not retry together.
type RetryPolicy struct{}

// NextRetry implements river.ClientRetryPolicy.
func (RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(jitter(RetryDelay(len(job.Errors) + 1)))
}

// RetryDelay is the wait after the n-th failed attempt (n from 1).
func RetryDelay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > len(RetryDelays) {
		n = len(RetryDelays)
	}
	return RetryDelays[n-1]
}

func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}
