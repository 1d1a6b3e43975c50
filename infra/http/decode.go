package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/choucha/choucha/commands"
)

const (
	maxJSONBody = 1 << 20   // 1 MiB: one record
	maxCSVBody  = 512 << 20 // 512 MiB: a million-row directory
)

// decodeJSON reads exactly one JSON object into dst; every way it can fail becomes a 4xx.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &httpError{status: http.StatusUnsupportedMediaType, code: "content_type", param: "application/json"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return &httpError{status: http.StatusBadRequest, code: "json", param: "trailing data after the object"}
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return &httpError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", param: strconv.FormatInt(big.Limit, 10)}
	case errors.As(err, &syn):
		return &httpError{status: http.StatusBadRequest, code: "json", param: fmt.Sprintf("offset %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &httpError{status: http.StatusBadRequest, code: "invalid_input", issues: []commands.Issue{{Field: field, Code: "json_type", Param: jsonType(typ.Type)}}}
	case errors.Is(err, io.EOF):
		return &httpError{status: http.StatusBadRequest, code: "json", param: "empty body"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &httpError{status: http.StatusBadRequest, code: "json", param: "unexpected end of body"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &httpError{status: http.StatusBadRequest, code: "invalid_input", issues: []commands.Issue{{Field: name, Code: "unknown_field"}}}
	}
	return &httpError{status: http.StatusBadRequest, code: "json", param: err.Error()}
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "number"
}
