package ffmpeg

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProgressWriter(t *testing.T) {
	t.Parallel()
	var got []float64
	w := newProgressWriter(10, func(p float64) { got = append(got, p) })
	clock := time.Unix(0, 0)
	w.now = func() time.Time { return clock }
	block := func(us string) string {
		return fmt.Sprintf("frame=1\nfps=0.0\nout_time_us=%s\nout_time_ms=%s\nout_time=00:00:00\nspeed=1x\nprogress=continue\n", us, us)
	}
	write := func(s string, chunk int) {
		for len(s) > 0 {
			n := min(chunk, len(s))
			if _, err := w.Write([]byte(s[:n])); err != nil {
				t.Fatal(err)
			}
			s = s[n:]
		}
	}
	write(block("N/A"), 7)                    // before the first frame: nothing
	write(block("1000000"), 5)                // 10 %, in pieces
	clock = clock.Add(100 * time.Millisecond) //
	write(block("2000000"), 100)              // too soon: skipped
	clock = clock.Add(500 * time.Millisecond)
	write(block("3000000"), 100) // 30 %
	clock = clock.Add(time.Second)
	write(block("2500000"), 100) // going back (audio behind video): skipped
	clock = clock.Add(time.Second)
	write(block("12000000"), 3) // past the probed duration: 99 at most
	clock = clock.Add(time.Second)
	write(block("13000000")+"progress=end\n", 100) // still 99: not reported again
	if diff := cmp.Diff([]float64{10, 30, 99}, got); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}

	// Unknown duration, or no callback: no report, no failure.
	n := 0
	w = newProgressWriter(0, func(float64) { n++ })
	write(block("1000000"), 100)
	newProgressWriter(10, nil).handle("out_time_us=1000000")
	if n != 0 {
		t.Errorf("%d reports for an unknown duration", n)
	}
}
