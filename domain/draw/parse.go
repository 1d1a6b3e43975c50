package draw

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxLine bounds one input line; longer lines are rejected, not split.
const maxLine = 1 << 20

var (
	// ErrNoSources is returned by ParseSeeds for input without any seed source.
	ErrNoSources = errors.New("draw: no seed sources")
	// ErrEmptyPool is returned by ParsePool for input without any candidate.
	ErrEmptyPool = errors.New("draw: pool has no candidates")
)

// LineError is a parse error at a 1-based line of the input.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseSeeds reads seed sources, one per line: non-negative decimal integers separated by
// blanks or tabs, in any order (Key sorts them). Blank lines and lines whose first non-blank
// character is '#' are ignored; a trailing "\r" is dropped. Non-integers, negative numbers and
// values beyond 2^64-1 are errors (see the package doc on what RFC 3797 allows beyond that).
func ParseSeeds(r io.Reader) ([][]uint64, error) {
	var sources [][]uint64
	err := eachLine(r, func(n int, line string) error {
		line = strings.Trim(line, " \t")
		if line == "" || line[0] == '#' {
			return nil
		}
		var src []uint64
		for tok := range strings.FieldsFuncSeq(line, isBlank) {
			v, err := parseValue(tok)
			if err != nil {
				return &LineError{Line: n, Msg: err.Error()}
			}
			src = append(src, v)
		}
		sources = append(sources, src)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, ErrNoSources
	}
	return sources, nil
}

func isBlank(r rune) bool { return r == ' ' || r == '\t' }

func parseValue(tok string) (uint64, error) {
	if strings.HasPrefix(tok, "-") && len(tok) > 1 && allDigits(tok[1:]) {
		return 0, fmt.Errorf("negative number %s: seeds must be non-negative integers", tok)
	}
	if i := strings.IndexByte(tok, '.'); i >= 0 && allDigits(tok[:i]) && allDigits(tok[i+1:]) {
		return 0, fmt.Errorf("non-integer %s: only non-negative integers are supported", tok)
	}
	if !allDigits(tok) {
		return 0, fmt.Errorf("bad token %q: want a non-negative decimal integer", tok)
	}
	v, err := strconv.ParseUint(tok, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %s overflows 64 bits", tok)
	}
	return v, nil
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParsePool reads a pool, one candidate per line, numbered 1…P in file order. A trailing "\r"
// is dropped. Blank lines, control characters, a byte-order mark and duplicate candidates are
// errors: each would silently change who is in the pool or how often.
func ParsePool(r io.Reader) ([]string, error) {
	var pool []string
	seen := make(map[string]int)
	err := eachLine(r, func(n int, line string) error {
		if strings.Trim(line, " \t") == "" {
			return &LineError{Line: n, Msg: "blank line; every line must name one candidate"}
		}
		if n == 1 && strings.HasPrefix(line, "\uFEFF") {
			return &LineError{Line: n, Msg: "byte-order mark; save the file as UTF-8 without BOM"}
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; (c < 0x20 && c != '\t') || c == 0x7f {
				return &LineError{Line: n, Msg: fmt.Sprintf("control character %q", c)}
			}
		}
		if first, dup := seen[line]; dup {
			return &LineError{Line: n, Msg: fmt.Sprintf("duplicates line %d (%q)", first, line)}
		}
		seen[line] = n
		pool = append(pool, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pool) == 0 {
		return nil, ErrEmptyPool
	}
	return pool, nil
}

// eachLine calls fn with each line (1-based number, without "\n" and one trailing "\r").
func eachLine(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{Line: n + 1, Msg: fmt.Sprintf("longer than %d bytes", maxLine)}
		}
		return fmt.Errorf("draw: reading line %d: %w", n+1, err)
	}
	return nil
}
