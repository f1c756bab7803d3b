// Command avc measures the peak memory of taking an audiovideocast
// deposit apart: Lectern's (avc.Open, ExtractMedia, ExtractSlides) against
// Pod's (zipfile.ZipFile.read of the media, then one write), in the same
// run, on the same archive. Goal: Lectern under 64 MiB whatever the size
// of the media; Pod holds the whole media in memory.
//
// It makes an archive as recorders do: <name>/cours.smil, a media of -size
// bytes stored (not compressed) and -slides JPEG slides of 1280x720. Each
// side runs as a child process, whose peak resident memory is the
// kernel's (getrusage's ru_maxrss); Lectern's is this program run again
// with a hidden -child flag. Both read the archive from the page cache,
// where writing it left it. Each output is checked against the entry's
// CRC-32, then deleted.
//
//	go run ./bench/avc                       # a 2 GiB media
//	go run ./bench/avc -size 256MiB -slides 100
//	go run ./bench/avc -dir /var/tmp -keep   # where the archive is made (needs 2 x size free)
package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lectern/avc"
	"lectern/bench/internal/benchkit"
)

const (
	goalMiB   = 64
	mediaName = "lecture/enregistrement-video.mp4"
)

// podScript is what Pod's type_audiovideocast.py does with the media:
// zip.read() into memory, then save it (here one write).
const podScript = `import zipfile, sys
d = zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])
open(sys.argv[3], "wb").write(d)`

func main() {
	// The hidden child commands: Lectern's side, and making the archive
	// (see measure: this process must stay small).
	if len(os.Args) == 4 && os.Args[1] == "-child" {
		if err := child(context.Background(), os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "bench/avc -child:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "-make" {
		size, err := strconv.ParseInt(os.Args[3], 10, 64)
		if err == nil {
			var slides int
			slides, err = strconv.Atoi(os.Args[4])
			if err == nil {
				err = makeArchive(os.Args[2], size, slides)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/avc -make:", err)
			os.Exit(1)
		}
		return
	}
	size := flag.String("size", "2GiB", "size of the media: bytes, or with a KiB, MiB or GiB suffix")
	slides := flag.Int("slides", 20, "number of slides")
	dir := flag.String("dir", "", "directory for the archive and the outputs (default: a new temporary directory)")
	keep := flag.Bool("keep", false, "keep the archive")
	flag.Parse()
	n, err := parseSize(*size)
	if err == nil {
		err = run(context.Background(), n, *slides, *dir, *keep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/avc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, size int64, slides int, dir string, keep bool) error {
	tmp, cleanup, err := benchkit.TempDir(dir, "lectern-bench-avc-", keep)
	if err != nil {
		return err
	}
	defer cleanup()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	archive := filepath.Join(tmp, "lecture.zip")
	start := time.Now()
	mk := exec.CommandContext(ctx, self, "-make", archive, strconv.FormatInt(size, 10), strconv.Itoa(slides))
	mk.Stdout, mk.Stderr = os.Stdout, os.Stderr
	if err := mk.Run(); err != nil {
		return fmt.Errorf("make the archive: %w", err)
	}
	fi, err := os.Stat(archive)
	if err != nil {
		return err
	}
	crc, err := entryCRC(archive, mediaName)
	if err != nil {
		return err
	}
	fmt.Printf("archive: %s media stored, %d slides, %s in all, made in %.1f s (%s)\n",
		mib(size), slides, mib(fi.Size()), time.Since(start).Seconds(), archive)

	out := filepath.Join(tmp, "lectern")
	if err := os.Mkdir(out, 0o750); err != nil {
		return err
	}
	lectern, err := measure(ctx, exec.CommandContext(ctx, self, "-child", archive, out))
	if err != nil {
		return fmt.Errorf("lectern: %w", err)
	}
	if err := check(filepath.Join(out, "media.mp4"), size, crc); err != nil {
		return fmt.Errorf("lectern: %w", err)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	fmt.Printf("  %-24s peak RSS %8.1f MiB  wall %6.2f s  (avc.Open, ExtractMedia, ExtractSlides; files synced to disk)\n",
		"Lectern", lectern.rssMiB(), lectern.wall.Seconds())

	if _, err := exec.LookPath("python3"); err != nil {
		fmt.Println("  Pod: python3 not found, not measured")
		return nil
	}
	podOut := filepath.Join(tmp, "pod.mp4")
	pod, err := measure(ctx, exec.CommandContext(ctx, "python3", "-c", podScript, archive, mediaName, podOut))
	if err != nil {
		return fmt.Errorf("pod: %w", err)
	}
	if err := check(podOut, size, crc); err != nil {
		return fmt.Errorf("pod: %w", err)
	}
	os.Remove(podOut)
	fmt.Printf("  %-24s peak RSS %8.1f MiB  wall %6.2f s  (zipfile read() of the media, then write(); not synced)\n",
		"Pod", pod.rssMiB(), pod.wall.Seconds())

	verdict := "under"
	if lectern.rssMiB() >= goalMiB {
		verdict = "OVER"
	}
	fmt.Printf("summary: %s media: Lectern %.1f MiB in %.2f s, Pod %.1f MiB in %.2f s: Pod needs %.0f times Lectern's memory; Lectern %s the %d MiB goal\n",
		mib(size), lectern.rssMiB(), lectern.wall.Seconds(), pod.rssMiB(), pod.wall.Seconds(),
		pod.rssMiB()/lectern.rssMiB(), verdict, goalMiB)
	return nil
}

// child is Lectern's side: open the archive, extract the media and the
// slides into out.
func child(ctx context.Context, archive, out string) error {
	a, err := avc.Open(archive, avc.DefaultLimits)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.ExtractMedia(ctx, filepath.Join(out, "media"+path.Ext(a.Presentation().Media))); err != nil {
		return err
	}
	dir := filepath.Join(out, "slides")
	if err := os.Mkdir(dir, 0o750); err != nil {
		return err
	}
	_, err = a.ExtractSlides(ctx, dir)
	return err
}

// result is one side's figures.
type result struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

func (r result) rssMiB() float64 { return float64(r.maxRSS) / 1024 }

// measure runs cmd and returns its wall time and peak memory.
//
// The peak is the kernel's ru_maxrss, which on Linux also counts the
// memory of this process when it started the child: os/exec starts
// children with vfork, sharing this process's memory until the exec. So
// this process does nothing big itself (the archive is made by a child
// too) and stays a few MiB, below either side's own peak.
func measure(ctx context.Context, cmd *exec.Cmd) (result, error) {
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{}, err
	}
	r := result{wall: time.Since(start)}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return r, errors.New("no resource usage for the child process")
	}
	r.maxRSS = ru.Maxrss // KiB on Linux
	return r, ctx.Err()
}

// check verifies that file holds size bytes of CRC-32 crc.
func check(file string, size int64, crc uint32) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	h := crc32.NewIEEE()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != size || h.Sum32() != crc {
		return fmt.Errorf("%s: %d bytes of CRC-32 %08x, want %d of %08x", file, n, h.Sum32(), size, crc)
	}
	return nil
}

// entryCRC returns the CRC-32 the archive declares for an entry.
func entryCRC(archive, name string) (uint32, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			return f.CRC32, nil
		}
	}
	return 0, fmt.Errorf("no %s in %s", name, archive)
}

// parseSize parses "2GiB", "256MiB", "64KiB" or a number of bytes.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, KiB, MiB or GiB", s)
	}
	return n * mult, nil
}

func mib(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
