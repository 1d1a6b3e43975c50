package directory

import (
	"errors"
	"fmt"
)

// ErrInvalid marks a value that breaks a directory invariant.
var ErrInvalid = errors.New("invalid")

// FieldError names the field (as in JSON and CSV) that breaks an invariant, and why, in a
// stable code the edge translates (zh/en).
type FieldError struct {
	Field string
	Code  string // e.g. "uscc_check_digit", "region_code", "required", "oneof"
	Param string // e.g. the allowed values
}

func (e *FieldError) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Code, e.Param)
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Code)
}
func (e *FieldError) Unwrap() error { return ErrInvalid }

// fieldErrors collects every broken invariant so a user sees all of them at once.
type fieldErrors []error

func (f *fieldErrors) add(field, code, param string) {
	*f = append(*f, &FieldError{Field: field, Code: code, Param: param})
}
func (f fieldErrors) err() error { return errors.Join(f...) }

// FieldErrors unpacks the FieldErrors inside err (joined or single).
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}
