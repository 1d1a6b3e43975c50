//go:build unix

package eventlogtest

import (
	"os"
	"syscall"
)

func sigkill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

func killedBySIGKILL(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
