// Package csvin reads an import CSV (UTF-8, header row, optional BOM) into command rows,
// matching columns to the `json` names of the row struct. Every problem is reported with its
// line; a file with any problem yields no rows.
package csvin

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/choucha/choucha/commands"
)

// MaxIssues bounds the problems reported for one file, so a wrong file does not flood the answer.
const MaxIssues = 1000

type column struct {
	name     string
	index    int // struct field index
	kind     reflect.Kind
	ptr      bool // *bool
	required bool
}

// columns lists the settable fields of T by their json names.
func columns(t reflect.Type) []column {
	var out []column
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		c := column{name: name, index: i, kind: f.Type.Kind(), required: strings.Contains(f.Tag.Get("validate"), "required")}
		if c.kind == reflect.Pointer {
			c.ptr, c.kind = true, f.Type.Elem().Kind()
		}
		out = append(out, c)
	}
	return out
}

// Decode reads every row. Problems come back as issues (the caller words them); err is for
// reading failures of the source itself. maxRows ≤ 0 means no limit.
func Decode[T any](r io.Reader, maxRows int) ([]commands.Row[T], []commands.Issue, error) {
	cols := columns(reflect.TypeFor[T]())
	byName := make(map[string]column, len(cols))
	for _, c := range cols {
		byName[c.name] = c
	}
	cr := csv.NewReader(skipBOM(r))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // we check counts ourselves, with the line
	var issues []commands.Issue
	full := func() bool { return len(issues) > MaxIssues }
	add := func(is commands.Issue) {
		if full() {
			return
		}
		issues = append(issues, is)
		if len(issues) == MaxIssues {
			issues = append(issues, commands.Issue{Code: "too_many_issues", Param: strconv.Itoa(MaxIssues)})
		}
	}

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []commands.Issue{{Line: 1, Code: "empty_file"}}, nil
	}
	if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
		return nil, []commands.Issue{{Line: pe.StartLine, Code: "csv_syntax", Param: pe.Err.Error()}}, nil
	} else if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	order := make([]column, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		c, ok := byName[h]
		switch {
		case !ok:
			add(commands.Issue{Line: 1, Field: h, Code: "unknown_column"})
		case seen[h]:
			add(commands.Issue{Line: 1, Field: h, Code: "duplicate_column"})
		}
		seen[h] = true
		order[i] = c
		order[i].name = h
	}
	for _, c := range cols {
		if c.required && !seen[c.name] {
			add(commands.Issue{Line: 1, Field: c.name, Code: "missing_column"})
		}
	}
	if len(issues) > 0 {
		return nil, issues, nil
	}

	var rows []commands.Row[T]
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			add(commands.Issue{Line: pe.StartLine, Code: "csv_syntax", Param: pe.Err.Error()})
			break // after a quoting error the rest of the file cannot be trusted
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if maxRows > 0 && len(rows) >= maxRows {
			add(commands.Issue{Line: line, Code: "max", Field: "rows", Param: strconv.Itoa(maxRows)})
			break
		}
		if len(rec) != len(order) {
			add(commands.Issue{Line: line, Code: "field_count", Param: strconv.Itoa(len(rec))})
			if full() {
				break
			}
			continue
		}
		var row T
		v := reflect.ValueOf(&row).Elem()
		for i, cell := range rec {
			c := order[i]
			if !utf8.ValidString(cell) {
				add(commands.Issue{Line: line, Field: c.name, Code: "utf8"})
				continue
			}
			cell = strings.TrimSpace(cell)
			f := v.Field(c.index)
			switch c.kind {
			case reflect.String:
				f.SetString(cell)
			case reflect.Bool:
				b, good := parseBool(cell)
				if !good {
					add(commands.Issue{Line: line, Field: c.name, Code: "bool"})
					continue
				}
				if c.ptr {
					if cell != "" {
						f.Set(reflect.ValueOf(&b))
					}
				} else {
					f.SetBool(b)
				}
			case reflect.Slice:
				f.Set(reflect.ValueOf(splitList(cell)))
			}
		}
		if full() {
			break
		}
		rows = append(rows, commands.Row[T]{Line: line, Fields: row})
	}
	if len(issues) > 0 {
		return nil, issues, nil
	}
	if len(rows) == 0 {
		return nil, []commands.Issue{{Line: 2, Code: "no_rows"}}, nil
	}
	return rows, nil, nil
}

// parseBool accepts the spellings spreadsheets produce; empty is false.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "", "false", "0", "否", "n", "no":
		return false, true
	case "true", "1", "是", "y", "yes":
		return true, true
	}
	return false, false
}

// splitList splits a list cell on ";" (also "；", which Chinese keyboards type).
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var bom = []byte("\xef\xbb\xbf")

// skipBOM drops a leading UTF-8 BOM (Excel writes one).
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(len(bom))
	}
	return br
}
