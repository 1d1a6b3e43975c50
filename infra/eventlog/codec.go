package eventlog

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/choucha/choucha/domain/event"
)

// Layout of the bbolt file. Every key and value is written in the one transaction that
// appends a batch, so the buckets always agree with each other.
var (
	// bucketMeta: "format" → formatVersion.
	bucketMeta = []byte("meta")
	// bucketEvents: be64(position) → JSON record (the envelope without Position: the key is it).
	bucketEvents = []byte("events")
	// bucketStreams: stream → head: be64(version) ‖ 32-byte SHA-256 of that version.
	bucketStreams = []byte("streams")
	// bucketIndex: stream ‖ 0x00 ‖ be64(version) → be64(position).
	bucketIndex = []byte("stream_index")
	// bucketCommands: command id → JSON list of the positions its batch was appended at.
	bucketCommands = []byte("commands")

	keyFormat     = []byte("format")
	formatVersion = []byte("choucha-eventlog/1")
)

const (
	headLen = 8 + 32
	// maxNameLen bounds stream names and command ids: they are bbolt keys (≤ 32 KiB).
	maxNameLen = 4096
)

// record is how an envelope is stored: the envelope's own JSON field names, no Position.
type record struct {
	ID         string          `json:"id"`
	Stream     string          `json:"stream"`
	Version    uint64          `json:"version"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	RecordedAt time.Time       `json:"recorded_at"`
	Actor      event.Actor     `json:"actor"`
	CommandID  string          `json:"command_id"`
	Payload    json.RawMessage `json:"payload"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func (r *record) envelope(position uint64) event.Envelope {
	return event.Envelope{
		ID: r.ID, Stream: r.Stream, Version: r.Version, Type: r.Type,
		OccurredAt: r.OccurredAt, RecordedAt: r.RecordedAt, Actor: r.Actor,
		CommandID: r.CommandID, Payload: r.Payload, PrevHash: r.PrevHash, Hash: r.Hash,
		Position: position,
	}
}

func be64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func positionOf(key []byte) (uint64, bool) {
	if len(key) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(key), true
}

func indexPrefix(stream string) []byte {
	k := make([]byte, 0, len(stream)+9)
	k = append(k, stream...)
	return append(k, 0)
}

func indexKey(dst []byte, stream string, version uint64) []byte {
	dst = append(dst[:0], stream...)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint64(dst, version)
}

// parseIndexKey splits stream ‖ 0x00 ‖ be64(version).
func parseIndexKey(k []byte) (stream string, version uint64, ok bool) {
	if len(k) < 10 || k[len(k)-9] != 0 || bytes.IndexByte(k[:len(k)-9], 0) >= 0 {
		return "", 0, false
	}
	return string(k[:len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), true
}

type head struct {
	version uint64
	hash    string // hex, "" for a stream that does not exist
}

func putHead(dst []byte, version uint64, hash string) error {
	if len(hash) != 64 {
		return fmt.Errorf("hash %q is not 32 hex bytes", hash)
	}
	binary.BigEndian.PutUint64(dst[:8], version)
	if _, err := hex.Decode(dst[8:headLen], []byte(hash)); err != nil {
		return fmt.Errorf("hash %q is not 32 hex bytes: %w", hash, err)
	}
	return nil
}

func parseHead(v []byte) (head, bool) {
	if v == nil {
		return head{}, true
	}
	if len(v) != headLen {
		return head{}, false
	}
	return head{version: binary.BigEndian.Uint64(v[:8]), hash: hex.EncodeToString(v[8:])}, true
}

func appendPositions(dst []byte, positions []uint64) []byte {
	dst = append(dst, '[')
	for i, p := range positions {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, p, 10)
	}
	return append(dst, ']')
}

func parsePositions(v []byte) ([]uint64, error) {
	var ps []uint64
	if err := json.Unmarshal(v, &ps); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("empty position list")
	}
	return ps, nil
}

// slab hands out byte slices carved from large blocks, so that a batch of a million records
// is a few hundred allocations, not a million.
type slab struct {
	buf   []byte
	start int // where the last Write began in buf
}

const slabBlock = 1 << 20

func (s *slab) Write(p []byte) (int, error) {
	if cap(s.buf)-len(s.buf) < len(p) {
		s.buf = make([]byte, 0, max(slabBlock, len(p)))
	}
	s.start = len(s.buf)
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// lastWrite returns the bytes of the last Write, capped so that appending to them cannot
// clobber a neighbour.
func (s *slab) lastWrite() []byte {
	return s.buf[s.start:len(s.buf):len(s.buf)]
}

// decodeAll decodes raw records (read in the current transaction) into envelopes at the
// given positions. A record that does not decode is ErrTampered.
func decodeAll(op string, raws [][]byte, positions []uint64, out []event.Envelope, workers int) error {
	if len(raws) < 64 {
		workers = 1
	}
	return parallel(len(raws), workers, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			var r record
			if err := decodeRecord(raws[i], &r); err != nil {
				return &event.StoreError{Op: op, Err: fmt.Errorf("%w: position %d: record does not decode: %v", event.ErrTampered, positions[i], err)}
			}
			out[i] = r.envelope(positions[i])
		}
		return nil
	})
}

// appendRecord appends e's record as JSON. It is encoding/json's output without the
// reflection: strings are escaped as JSON requires (invalid UTF-8 becomes U+FFFD, as
// encoding/json does), times are RFC 3339 with nanoseconds, and the payload (compact, valid
// JSON: Seal checked it) is copied verbatim.
func appendRecord(dst []byte, e *event.Envelope) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID)
	dst = append(dst, `,"stream":`...)
	dst = appendString(dst, e.Stream)
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendUint(dst, e.Version, 10)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, e.Type)
	dst = append(dst, `,"occurred_at":"`...)
	dst = e.OccurredAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","recorded_at":"`...)
	dst = e.RecordedAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","actor":{"id":`...)
	dst = appendString(dst, e.Actor.ID)
	dst = append(dst, `,"role":`...)
	dst = appendString(dst, e.Actor.Role)
	dst = append(dst, `},"command_id":`...)
	dst = appendString(dst, e.CommandID)
	dst = append(dst, `,"payload":`...)
	dst = append(dst, e.Payload...)
	dst = append(dst, `,"prev_hash":`...)
	dst = appendString(dst, e.PrevHash)
	dst = append(dst, `,"hash":`...)
	dst = appendString(dst, e.Hash)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// isCompact reports whether p has no whitespace outside strings (it does not check p is JSON).
func isCompact(p []byte) bool {
	inString := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && isSpace(c):
			return false
		}
	}
	return true
}

// decodeRecord decodes a stored record. What appendRecord writes is parsed directly;
// anything else (escaped strings, another field order, another writer) goes through
// encoding/json, which gives the same result. The payload is not validated here: a payload
// edited into invalid JSON fails its hash (Verify).
func decodeRecord(b []byte, r *record) error {
	if fastDecode(b, r) {
		return nil
	}
	*r = record{}
	return json.Unmarshal(b, r)
}

func fastDecode(b []byte, r *record) bool {
	p := parser{b: b, ok: true}
	p.lit(`{"id":`)
	r.ID = p.str()
	p.lit(`,"stream":`)
	r.Stream = p.str()
	p.lit(`,"version":`)
	r.Version = p.uint()
	p.lit(`,"type":`)
	r.Type = p.str()
	p.lit(`,"occurred_at":`)
	r.OccurredAt = p.time()
	p.lit(`,"recorded_at":`)
	r.RecordedAt = p.time()
	p.lit(`,"actor":{"id":`)
	r.Actor.ID = p.str()
	p.lit(`,"role":`)
	r.Actor.Role = p.str()
	p.lit(`},"command_id":`)
	r.CommandID = p.str()
	p.lit(`,"payload":`)
	r.Payload = p.value()
	p.lit(`,"prev_hash":`)
	r.PrevHash = p.str()
	p.lit(`,"hash":`)
	r.Hash = p.str()
	p.lit(`}`)
	return p.ok && p.i == len(b)
}

type parser struct {
	b  []byte
	i  int
	ok bool
}

func (p *parser) lit(s string) {
	if p.ok && len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return
	}
	p.ok = false
}

// str reads a string without escapes, of valid UTF-8.
func (p *parser) str() string {
	if !p.ok || p.i >= len(p.b) || p.b[p.i] != '"' {
		p.ok = false
		return ""
	}
	start := p.i + 1
	end := bytes.IndexByte(p.b[start:], '"')
	if end < 0 {
		p.ok = false
		return ""
	}
	raw := p.b[start : start+end]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) || hasControl(raw) {
		p.ok = false
		return ""
	}
	p.i = start + end + 1
	return string(raw)
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func (p *parser) uint() uint64 {
	start := p.i
	for p.ok && p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if !p.ok || p.i == start || (p.b[start] == '0' && p.i-start > 1) {
		p.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(p.b[start:p.i]), 10, 64)
	p.ok = err == nil
	return v
}

func (p *parser) time() time.Time {
	s := p.str()
	if !p.ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.ok = false
	}
	return t
}

// value returns a copy of the JSON value at p.i: an object, an array, a string or a literal,
// found by matching brackets outside strings.
func (p *parser) value() json.RawMessage {
	if !p.ok || p.i >= len(p.b) {
		p.ok = false
		return nil
	}
	start, depth := p.i, 0
	if isSpace(p.b[start]) {
		p.ok = false
		return nil
	}
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; c {
		case '"':
			for p.i++; p.i < len(p.b) && p.b[p.i] != '"'; p.i++ {
				if p.b[p.i] == '\\' {
					p.i++
				}
			}
			if p.i >= len(p.b) {
				p.ok = false
				return nil
			}
			if depth == 0 {
				p.i++
				return bytes.Clone(p.b[start:p.i])
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return p.scalar(start)
			}
			if depth--; depth == 0 {
				p.i++
				return bytes.Clone(p.b[start:p.i])
			}
		case ',':
			if depth == 0 {
				return p.scalar(start)
			}
		}
	}
	p.ok = false
	return nil
}

// scalar ends a number or literal at p.i.
func (p *parser) scalar(start int) json.RawMessage {
	v := p.b[start:p.i]
	if len(v) == 0 || !json.Valid(v) || isSpace(v[0]) || isSpace(v[len(v)-1]) {
		p.ok = false
		return nil
	}
	return bytes.Clone(v)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
