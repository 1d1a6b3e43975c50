package inspection

import (
	"errors"
	"fmt"

	"github.com/choucha/choucha/domain/directory"
)

var (
	// ErrState: the command does not fit the task's state (e.g. approving what was not recorded).
	ErrState = errors.New("inspection: not allowed in the task's current state")
	// ErrNotOnTeam: the inspector is not on the task's current team.
	ErrNotOnTeam = errors.New("inspection: inspector is not on the task's current team")
	// ErrOtherDepartment: the reviewer's department is not one of the task's.
	ErrOtherDepartment = errors.New("inspection: department is not one of the task's")
)

func stateErr(op string, s State) error {
	return fmt.Errorf("%w: cannot %s a task in state %q", ErrState, op, s)
}

// fieldErrors collects every broken rule as directory.FieldError values, so that the edge
// translates them like the directory's and the plan's.
type fieldErrors []error

func (f *fieldErrors) add(field, code, param string) {
	*f = append(*f, &directory.FieldError{Field: field, Code: code, Param: param})
}
func (f fieldErrors) err() error { return errors.Join(f...) }
