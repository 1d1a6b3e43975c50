package commands

import (
	"errors"
	"fmt"

	"github.com/choucha/choucha/domain/directory"
)

// Kind is the slug of a user-facing error; infra/http maps it to a status in one place.
type Kind string

const (
	KindInvalid      Kind = "invalid_input"
	KindNotFound     Kind = "not_found"
	KindConflict     Kind = "conflict"
	KindUnauthorized Kind = "unauthorized"
	KindForbidden    Kind = "forbidden"
)

// Issue is one field-level problem. Line is the CSV line (header = 1), 0 outside imports.
// Code is a stable code the edge translates; Message, when set, is already translated.
type Issue struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message,omitempty"`
}

// Error is the typed error every command returns for a user's mistake.
type Error struct {
	Kind   Kind
	Code   string // e.g. "already_exists", "enterprise_not_found"
	Issues []Issue
	Err    error
}

func (e *Error) Error() string {
	s := string(e.Kind) + ": " + e.Code
	if len(e.Issues) > 0 {
		s += fmt.Sprintf(" (%d issues, first: line %d %s %s)", len(e.Issues), e.Issues[0].Line, e.Issues[0].Field, e.Issues[0].Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}
func (e *Error) Unwrap() error { return e.Err }

// Invalid wraps field issues.
func Invalid(issues ...Issue) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_input", Issues: issues}
}

func notFound(code string) *Error { return &Error{Kind: KindNotFound, Code: code} }

func conflict(code string, err error) *Error {
	return &Error{Kind: KindConflict, Code: code, Err: err}
}

// domainIssues turns the domain's joined FieldErrors into issues at a line.
func domainIssues(line int, err error) []Issue {
	fes := directory.FieldErrors(err)
	out := make([]Issue, 0, len(fes))
	for _, fe := range fes {
		out = append(out, Issue{Line: line, Field: fe.Field, Code: fe.Code, Param: fe.Param})
	}
	if len(out) == 0 && err != nil {
		out = append(out, Issue{Line: line, Field: "", Code: "invalid"})
	}
	return out
}

// AsError returns the typed error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
