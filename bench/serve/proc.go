package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"lectern/bench/internal/benchkit"
)

// procStat is what /proc/<pid>/stat tells of a process: its name, parent
// and start time (in clock ticks since boot: with the pid, a key that
// survives the reuse of pids).
type procStat struct {
	pid, ppid int
	comm      string
	start     uint64
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses,
	// so it ends at the last ')'.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state); ppid is field 4, starttime field 22.
	if len(f) < 20 {
		return procStat{}, errors.New("short /proc stat")
	}
	ppid, _ := strconv.Atoi(f[1])
	start, _ := strconv.ParseUint(f[19], 10, 64)
	return procStat{pid: pid, ppid: ppid, comm: string(b[open+1 : end]), start: start}, nil
}

// descendants lists the processes under root (children, their children…),
// from one scan of /proc: this kernel may have no
// /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN).
func descendants(root int) []procStat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	byParent := map[int][]procStat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readProcStat(pid); err == nil {
			byParent[st.ppid] = append(byParent[st.ppid], st)
		}
	}
	var out []procStat
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range byParent[p] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// child is one process the server started, as the sampler saw it.
type child struct {
	pid         int
	comm        string
	kind        string // "ffmpeg (encode)", "ffmpeg (other)", "ffprobe", or comm
	first, last time.Time
	hwm         int64 // KiB, the largest VmHWM read
	samples     int
}

// phase is a stretch of the run: the server's largest VmRSS sample in it.
type phase struct {
	name    string
	maxRSS  int64 // KiB, largest 100 ms sample of the server's VmRSS
	samples int
}

// sampler reads the server's memory and its children's every interval.
type sampler struct {
	pid      int
	interval time.Duration

	mu       sync.Mutex
	phases   []*phase
	children map[[2]uint64]*child // by pid and start time
	order    []*child
	errs     int   // failed reads of the server's status
	lastRSS  int64 // KiB, the server's VmRSS in the latest sample
	lastKids int64 // KiB, its children's VmRSS together in the latest sample

	stop chan struct{}
	done chan struct{}
}

func newSampler(pid int, interval time.Duration, firstPhase string) *sampler {
	return &sampler{pid: pid, interval: interval, phases: []*phase{{name: firstPhase}},
		children: map[[2]uint64]*child{}, stop: make(chan struct{}), done: make(chan struct{})}
}

func (s *sampler) start() {
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// finish stops the sampling after one last sample.
func (s *sampler) finish() {
	close(s.stop)
	<-s.done
}

// enter starts a new phase and returns the one that ends.
func (s *sampler) enter(name string) *phase {
	s.mu.Lock()
	defer s.mu.Unlock()
	ended := s.phases[len(s.phases)-1]
	s.phases = append(s.phases, &phase{name: name})
	return ended
}

func (s *sampler) sample() {
	now := time.Now()
	st, err := benchkit.ReadMemory(s.pid)
	kids := descendants(s.pid)
	type read struct {
		ps  procStat
		st  benchkit.Memory
		cmd string
	}
	var reads []read
	for _, k := range kids {
		ks, err := benchkit.ReadMemory(k.pid)
		if err != nil {
			continue // ended between the scan and the read
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(k.pid), "cmdline"))
		reads = append(reads, read{k, ks, string(cmdline)})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs++
	} else {
		p := s.phases[len(s.phases)-1]
		p.maxRSS = max(p.maxRSS, st.RSS)
		p.samples++
		s.lastRSS = st.RSS
	}
	s.lastKids = 0
	for _, r := range reads {
		s.lastKids += r.st.RSS
		key := [2]uint64{uint64(r.ps.pid), r.ps.start}
		c := s.children[key]
		if c == nil {
			c = &child{pid: r.ps.pid, comm: r.ps.comm, kind: kindOf(r.ps.comm, r.cmd), first: now}
			s.children[key] = c
			s.order = append(s.order, c)
		}
		c.last = now
		c.hwm = max(c.hwm, r.st.HWM)
		c.samples++
	}
}

// kindOf names a child: the encode is the ffmpeg that writes -progress.
func kindOf(comm, cmdline string) string {
	args := strings.Split(strings.TrimRight(cmdline, "\x00"), "\x00")
	name := filepath.Base(args[0])
	if name == "" || name == "." {
		name = comm
	}
	switch {
	case name == "ffmpeg" && strings.Contains(cmdline, "\x00-progress\x00"):
		return "ffmpeg (encode)"
	case name == "ffmpeg":
		return "ffmpeg (other)"
	}
	return name
}

// latest is the server's VmRSS and its children's together, in KiB, at
// the latest sample.
func (s *sampler) latest() (server, children int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRSS, s.lastKids
}

// seen returns the children sampled so far, in order of appearance.
func (s *sampler) seen() []child {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]child, 0, len(s.order))
	for _, c := range s.order {
		out = append(out, *c)
	}
	return out
}
