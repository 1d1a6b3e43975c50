package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The canonical bytes, written by hand. They are, byte for byte, what encoding/json writes
// for the canonical struct once the payload is compacted (json.Compact, then json.Marshal,
// which escapes <, >, & and U+2028/U+2029 everywhere, replaces invalid UTF-8 in the string
// fields with U+FFFD and compacts the payload again with the same escapes): the hash of
// every log ever written depends on it. canonicalSlow below is that encoding/json
// implementation; it still runs for what the direct encoder does not take (a payload that is
// not JSON, for its error; a deeply nested one), and the differential tests and
// FuzzCanonicalBytes hold the two to the same output.

// appendCanonical appends e's canonical bytes to dst. On error dst is returned unchanged.
func appendCanonical(dst []byte, e *Envelope) ([]byte, error) {
	start := len(dst)
	dst = append(dst, `{"id":`...)
	dst = appendHTMLString(dst, e.ID)
	dst = append(dst, `,"stream":`...)
	dst = appendHTMLString(dst, e.Stream)
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendUint(dst, e.Version, 10)
	dst = append(dst, `,"type":`...)
	dst = appendHTMLString(dst, e.Type)
	// An RFC 3339 time has no character that a JSON string escapes.
	dst = append(dst, `,"occurred_at":"`...)
	dst = e.OccurredAt.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","recorded_at":"`...)
	dst = e.RecordedAt.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","actor":{"id":`...)
	dst = appendHTMLString(dst, e.Actor.ID)
	dst = append(dst, `,"role":`...)
	dst = appendHTMLString(dst, e.Actor.Role)
	dst = append(dst, `},"command_id":`...)
	dst = appendHTMLString(dst, e.CommandID)
	dst = append(dst, `,"payload":`...)
	if len(e.Payload) == 0 {
		dst = append(dst, "null"...)
	} else {
		var ok bool
		if dst, ok = appendCompactHTML(dst, e.Payload); !ok {
			slow, err := canonicalSlow(e)
			if err != nil {
				return dst[:start], err
			}
			return append(dst[:start], slow...), nil
		}
	}
	return append(dst, '}'), nil
}

// canonical is the hashed form: fixed field order, UTC times, compact payload.
type canonical struct {
	ID         string          `json:"id"`
	Stream     string          `json:"stream"`
	Version    uint64          `json:"version"`
	Type       string          `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	RecordedAt string          `json:"recorded_at"`
	Actor      Actor           `json:"actor"`
	CommandID  string          `json:"command_id"`
	Payload    json.RawMessage `json:"payload"`
}

// canonicalSlow is the canonical bytes by encoding/json, as first written.
func canonicalSlow(e *Envelope) ([]byte, error) {
	var payload bytes.Buffer
	if len(e.Payload) > 0 {
		if err := json.Compact(&payload, e.Payload); err != nil {
			return nil, fmt.Errorf("event %s: payload is not JSON: %w", e.ID, err)
		}
	} else {
		payload.WriteString("null")
	}
	return json.Marshal(canonical{
		ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type,
		OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano),
		RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano),
		Actor:      e.Actor, CommandID: e.CommandID, Payload: payload.Bytes(),
	})
}

const hexDigits = "0123456789abcdef"

// htmlSafe: the ASCII bytes encoding/json writes as they are in a string with HTML escaping.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendHTMLString is encoding/json's string encoding with HTML escaping (json.Marshal's).
func appendHTMLString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control bytes, <, >, &
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// maxCompactDepth: a payload nested deeper goes to canonicalSlow (encoding/json allows
// 10,000 levels).
const maxCompactDepth = 1000

// compactor validates one JSON value and appends it compacted (whitespace outside strings
// dropped) with encoding/json's HTML escapes inside strings: what json.Marshal writes for a
// json.RawMessage. Bytes are copied in runs from src[start:] up to the next edit.
type compactor struct {
	src   []byte
	dst   []byte
	i     int
	start int
}

// appendCompactHTML appends src as json.Marshal would a RawMessage. It reports false,
// leaving dst's length as it was, when src is not JSON (or nests too deep).
func appendCompactHTML(dst, src []byte) ([]byte, bool) {
	c := compactor{src: src, dst: dst}
	c.space()
	ok := c.value(0)
	if ok {
		c.space()
		ok = c.i == len(src)
	}
	if !ok {
		return dst, false
	}
	return append(c.dst, src[c.start:c.i]...), true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// space skips whitespace, dropping it from the output.
func (c *compactor) space() {
	if c.i >= len(c.src) || !isSpace(c.src[c.i]) {
		return
	}
	c.dst = append(c.dst, c.src[c.start:c.i]...)
	for c.i < len(c.src) && isSpace(c.src[c.i]) {
		c.i++
	}
	c.start = c.i
}

// lit matches the literal s at c.i.
func (c *compactor) lit(s string) bool {
	if len(c.src)-c.i < len(s) || string(c.src[c.i:c.i+len(s)]) != s {
		return false
	}
	c.i += len(s)
	return true
}

func (c *compactor) value(depth int) bool {
	if c.i >= len(c.src) {
		return false
	}
	switch b := c.src[c.i]; {
	case b == '"':
		return c.str()
	case b == '{':
		if depth >= maxCompactDepth {
			return false
		}
		c.i++
		c.space()
		if c.i < len(c.src) && c.src[c.i] == '}' {
			c.i++
			return true
		}
		for {
			if c.i >= len(c.src) || c.src[c.i] != '"' || !c.str() {
				return false
			}
			c.space()
			if c.i >= len(c.src) || c.src[c.i] != ':' {
				return false
			}
			c.i++
			c.space()
			if !c.value(depth + 1) {
				return false
			}
			c.space()
			if c.i >= len(c.src) {
				return false
			}
			switch c.src[c.i] {
			case ',':
				c.i++
				c.space()
			case '}':
				c.i++
				return true
			default:
				return false
			}
		}
	case b == '[':
		if depth >= maxCompactDepth {
			return false
		}
		c.i++
		c.space()
		if c.i < len(c.src) && c.src[c.i] == ']' {
			c.i++
			return true
		}
		for {
			if !c.value(depth + 1) {
				return false
			}
			c.space()
			if c.i >= len(c.src) {
				return false
			}
			switch c.src[c.i] {
			case ',':
				c.i++
				c.space()
			case ']':
				c.i++
				return true
			default:
				return false
			}
		}
	case b == '-' || (b >= '0' && b <= '9'):
		return c.number()
	case b == 't':
		return c.lit("true")
	case b == 'f':
		return c.lit("false")
	case b == 'n':
		return c.lit("null")
	}
	return false
}

// strPlain: bytes of a string that need no attention: not '"', '\\', a control byte, one of
// the HTML escapes or 0xE2 (the first byte of U+2028 and U+2029).
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != 0xE2
	}
	return t
}()

// str reads a string at c.i (which is '"'). Like encoding/json's scanner it checks escapes
// and control bytes but not UTF-8; like its compaction it escapes <, >, & and the byte
// sequences of U+2028 and U+2029 (E2 80 A8/A9) and copies everything else as it is.
func (c *compactor) str() bool {
	src := c.src
	i := c.i + 1
	for i < len(src) {
		b := src[i]
		if strPlain[b] {
			i++
			continue
		}
		switch {
		case b == '"':
			c.i = i + 1
			return true
		case b == '\\':
			if i+1 >= len(src) {
				return false
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(src) || !isHex(src[i+2]) || !isHex(src[i+3]) || !isHex(src[i+4]) || !isHex(src[i+5]) {
					return false
				}
				i += 6
			default:
				return false
			}
		case b < 0x20:
			return false
		case b == 0xE2:
			if i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
				c.dst = append(c.dst, src[c.start:i]...)
				c.dst = append(c.dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xf])
				i += 3
				c.start = i
			} else {
				i++
			}
		default: // <, >, &
			c.dst = append(c.dst, src[c.start:i]...)
			c.dst = append(c.dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			i++
			c.start = i
		}
	}
	return false
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at c.i.
func (c *compactor) number() bool {
	src, i := c.src, c.i
	if src[i] == '-' {
		i++
	}
	switch {
	case i >= len(src):
		return false
	case src[i] == '0':
		i++
	case isDigit(src[i]):
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(src) && src[i] == '.' {
		i++
		if i >= len(src) || !isDigit(src[i]) {
			return false
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || !isDigit(src[i]) {
			return false
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	c.i = i
	return true
}

// Hashing.

// canonBufs recycles the buffers the hash is computed over.
var canonBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuf: buffers grown larger than this (a big payload) are not kept.
const maxPooledBuf = 64 << 10

// sum returns SHA-256(prevHash bytes ‖ canonical bytes).
func sum(e *Envelope, prevHash string) ([sha256.Size]byte, error) {
	bp := canonBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuf {
			canonBufs.Put(bp)
		}
	}()
	buf, ok := appendHexDecode((*bp)[:0], prevHash)
	if !ok { // for hex.DecodeString's error
		prev, err := hex.DecodeString(prevHash)
		if err != nil {
			return [sha256.Size]byte{}, fmt.Errorf("event %s: prev hash is not hex: %w", e.ID, err)
		}
		buf = append((*bp)[:0], prev...)
	}
	buf, err := appendCanonical(buf, e)
	*bp = buf
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(buf), nil
}

// appendHexDecode decodes hex (either case) as hex.DecodeString does; false if it would fail.
func appendHexDecode(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return dst, false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hashEqual reports whether h is the lower-case hex of sum.
func hashEqual(sum *[sha256.Size]byte, h string) bool {
	if len(h) != 2*sha256.Size {
		return false
	}
	var b [2 * sha256.Size]byte
	hex.Encode(b[:], sum[:])
	return string(b[:]) == h
}
