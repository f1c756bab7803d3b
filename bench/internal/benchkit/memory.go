package benchkit

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Memory is a process's memory from /proc/<pid>/status, in KiB.
type Memory struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: the largest VmRSS since start, or since ResetPeak

	Anon, File int64 // RssAnon, RssFile: VmRSS's heap and stacks, and its mapped files (the binary)
}

// ReadMemory reads the memory of pid; a process without VmHWM (a
// zombie) is an error.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		case "RssAnon":
			m.Anon = n
		case "RssFile":
			m.File = n
		}
	}
	if m.HWM == 0 {
		return m, errors.New("no VmHWM in /proc/" + strconv.Itoa(pid) + "/status (a zombie?)")
	}
	return m, nil
}

// ResetPeak sets VmHWM of pid back to its VmRSS (writing 5 to
// /proc/<pid>/clear_refs, Linux 4.0 and later), so that the next VmHWM
// is the peak of what came after. It fails for another user's process.
func ResetPeak(pid int) error {
	return os.WriteFile(filepath.Join("/proc", strconv.Itoa(pid), "clear_refs"), []byte("5"), 0)
}
