package plan

import (
	"errors"
	"fmt"

	"github.com/choucha/choucha/domain/directory"
)

var (
	// ErrState: the command does not fit the plan's state (e.g. a draw before the seed).
	ErrState = errors.New("plan: not allowed in the plan's current state")
	// ErrRedraw: enterprises are drawn once; a second draw is refused, never performed.
	ErrRedraw = fmt.Errorf("%w: enterprises already drawn; a plan never redraws", ErrState)
	// ErrNoEligible: the scope leaves no eligible enterprise in any tier.
	ErrNoEligible = errors.New("plan: no eligible enterprise in scope")
	// ErrDirectory: the enterprises given to Announce are inconsistent (duplicate or malformed).
	ErrDirectory = errors.New("plan: inconsistent enterprise directory")
	// ErrCommitment: a pool no longer matches the size and SHA-256 announced for it.
	ErrCommitment = errors.New("plan: pool does not match its commitment")
)

func stateErr(op string, s State) error {
	return fmt.Errorf("%w: cannot %s a plan in state %q", ErrState, op, s)
}

// fieldErrors collects every broken invariant, as directory.FieldError values so that the edge
// translates plan and directory errors alike (errors.Is(err, directory.ErrInvalid)).
type fieldErrors []error

func (f *fieldErrors) add(field, code, param string) {
	*f = append(*f, &directory.FieldError{Field: field, Code: code, Param: param})
}
func (f fieldErrors) err() error { return errors.Join(f...) }
