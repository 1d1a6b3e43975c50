package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// errorBody is every error answer: a code, a sentence in the caller's language, and the
// field-level issues (with CSV lines for imports).
type errorBody struct {
	Error struct {
		Code    string           `json:"code"`
		Message string           `json:"message"`
		Issues  []commands.Issue `json:"issues,omitempty"`
	} `json:"error"`
}

// statusOf is the one place a user-facing error kind becomes an HTTP status.
func statusOf(k commands.Kind) int {
	switch k {
	case commands.KindInvalid:
		return http.StatusBadRequest
	case commands.KindNotFound:
		return http.StatusNotFound
	case commands.KindConflict:
		return http.StatusConflict
	case commands.KindUnauthorized:
		return http.StatusUnauthorized
	case commands.KindForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// httpError is an edge refusal that is not a command's: size, media type.
type httpError struct {
	status int
	code   string
	param  string
	issues []commands.Issue
}

func (e *httpError) Error() string { return e.code }

// writeError maps err to a status and a worded body; unknown errors are logged, never shown.
func writeError(w http.ResponseWriter, r *http.Request, lang validation.Lang, err error) int {
	var body errorBody
	status := http.StatusInternalServerError
	var he *httpError
	ce, isCmd := commands.AsError(err)
	switch {
	case errors.As(err, &he):
		status = he.status
		body.Error.Code = he.code
		body.Error.Message = validation.Message(lang, he.code, "", he.param)
		body.Error.Issues = validation.Word(lang, he.issues)
	case isCmd:
		status = statusOf(ce.Kind)
		body.Error.Code = ce.Code
		body.Error.Message = validation.Message(lang, ce.Code, "", "")
		body.Error.Issues = validation.Word(lang, ce.Issues)
		if status == http.StatusInternalServerError {
			slog.ErrorContext(r.Context(), "unmapped command error", "err", err)
		}
	case errors.Is(err, projections.ErrNotFound):
		status = http.StatusNotFound
		body.Error.Code = "not_found"
		body.Error.Message = validation.Message(lang, "not_found", "", "")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, eventlog.ErrNotWriter),
		errors.Is(err, projections.ErrUnavailable):
		if errors.Is(err, projections.ErrUnavailable) {
			slog.WarnContext(r.Context(), "read model unavailable", "path", r.URL.Path, "err", err)
		}
		status = http.StatusServiceUnavailable
		body.Error.Code = "unavailable"
		if errors.Is(err, eventlog.ErrNotWriter) {
			body.Error.Code = "not_writer" // a follower serve: say where the problem is
		}
		body.Error.Message = validation.Message(lang, body.Error.Code, "", "")
	default:
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error.Code = "internal"
		body.Error.Message = validation.Message(lang, "internal", "", "")
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "10")
	}
	writeJSON(w, status, body)
	return status
}
