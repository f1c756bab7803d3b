package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// meter runs programs (Pod's commands) in dir one after the other, adds
// up their CPU time (user and system, from each child's own rusage) and
// keeps the largest peak memory.
type meter struct {
	dir    string
	cpu    time.Duration
	maxRSS int64 // KiB
}

func (m *meter) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = m.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			m.maxRSS = max(m.maxRSS, ru.Maxrss)
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(stderr.Bytes()))
	}
	return nil
}

func tail(b []byte) string {
	return string(b[max(0, len(b)-1000):])
}

func dirSize(dir string) int64 {
	return prefixSize(dir, "")
}

// prefixSize is the size of the files under dir whose names start with
// prefix: a rung's MP4, playlist and media file ("720p.").
func prefixSize(dir, prefix string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// mkdir makes dir, empty.
func mkdir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}
