package benchkit

import (
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"time"
)

// Upload is one timed upload of a throughput benchmark's file to a
// server; it returns MB/s (10^6 bytes per second). round counts from 0;
// -1 is the untimed round.
type Upload func(round int) (float64, error)

// Rounds measures the upload throughput of Lectern and, when other is
// not nil, of the server named otherName in the same run, and prints
// each round and the medians, then the ratio Lectern/other (goal: at
// least 1). One untimed round each first: in a virtual machine, the
// first write to a page of memory the guest never touched costs far
// more than the next ones, which would favour whichever server comes
// second. Then, in each round, other goes second in even rounds and
// first in odd ones, so that neither always follows the other.
func Rounds(rounds int, size int64, lectern Upload, otherName string, other Upload) error {
	if _, err := lectern(-1); err != nil {
		return err
	}
	if other != nil {
		if _, err := other(-1); err != nil {
			return err
		}
	}
	var lec, oth []float64
	for round := range rounds {
		l, v := 0.0, 0.0
		var err error
		if other != nil && round%2 == 1 {
			if v, err = other(round); err != nil {
				return err
			}
		}
		if l, err = lectern(round); err != nil {
			return err
		}
		if other != nil && round%2 == 0 {
			if v, err = other(round); err != nil {
				return err
			}
		}
		lec = append(lec, l)
		line := fmt.Sprintf("round %d: Lectern %.0f MB/s", round+1, l)
		if other != nil {
			oth = append(oth, v)
			line += fmt.Sprintf(", %s %.0f MB/s", otherName, v)
		}
		fmt.Println(line)
	}
	fmt.Printf("Upload throughput, %s over loopback, median of %d:\n", MiB(size), rounds)
	fmt.Printf("  Lectern %.0f MB/s\n", median(lec))
	if len(oth) > 0 {
		fmt.Printf("  %s %.0f MB/s\n", otherName, median(oth))
		fmt.Printf("  ratio Lectern/%s %.2f (goal: >= 1)\n", otherName, median(lec)/median(oth))
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// MiB writes a size in bytes as whole MiB, or GiB when it is whole GiB.
func MiB(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// WriteRandom writes size bytes to path: one random MiB, repeated.
func WriteRandom(path string, size int64) error {
	block := make([]byte, 1<<20)
	if _, err := rand.Read(block); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for left := size; left > 0; left -= int64(len(block)) {
		if _, err := f.Write(block[:min(left, int64(len(block)))]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// ReportLatency prints title, then the median, 95th percentile, least
// and most of lat (which it sorts).
func ReportLatency(title string, lat []time.Duration) {
	slices.Sort(lat)
	p95 := lat[min(len(lat)-1, (len(lat)*95+99)/100-1)]
	fmt.Printf("%s:\n  median %v, p95 %v, min %v, max %v\n", title,
		round((lat[(len(lat)-1)/2]+lat[len(lat)/2])/2), round(p95), round(lat[0]), round(lat[len(lat)-1]))
}

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}
