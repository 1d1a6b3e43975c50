//go:build !unix

package eventlogtest

import (
	"errors"
	"os"
)

func sigkill(int) error { return errors.New("the kill test needs SIGKILL: run it on a unix system") }

func killedBySIGKILL(*os.ProcessState) bool { return false }
