package benchkit

import (
	"os"
	"os/exec"
	"time"
)

// Process is a program a benchmark started, its output to a log file.
type Process struct {
	Cmd  *exec.Cmd
	Done chan struct{} // closed once it has ended and its log is closed
}

// Start starts cmd, its standard output and error to log, which is
// closed when cmd ends (or at once when it does not start).
func Start(cmd *exec.Cmd, log *os.File) (*Process, error) {
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	p := &Process{Cmd: cmd, Done: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(p.Done)
	}()
	return p, nil
}

// Kill sends SIGKILL and waits for the end.
func (p *Process) Kill() {
	p.Cmd.Process.Kill()
	<-p.Done
}

// Stop sends sig and waits grace for the end, then kills: it reports
// whether the process ended within grace.
func (p *Process) Stop(sig os.Signal, grace time.Duration) bool {
	p.Cmd.Process.Signal(sig)
	select {
	case <-p.Done:
		return true
	case <-time.After(grace):
		p.Kill()
		return false
	}
}
