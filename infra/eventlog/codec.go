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
	dec := make([]recordDecoder, max(workers, 1))
	return parallel(len(raws), workers, func(w, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := dec[w].decodeEnvelope(raws[i], &out[i]); err != nil {
				return &event.StoreError{Op: op, Err: fmt.Errorf("%w: position %d: record does not decode: %v", event.ErrTampered, positions[i], err)}
			}
			out[i].Position = positions[i]
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
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			if i = skipString(p, i); i < 0 {
				return true // an unterminated string runs to the end
			}
			i-- // the loop's i++
		case isSpace(c):
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
	var e event.Envelope
	var d recordDecoder
	if !d.decode(b, &e) {
		return false
	}
	*r = record{ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type, OccurredAt: e.OccurredAt,
		RecordedAt: e.RecordedAt, Actor: e.Actor, CommandID: e.CommandID, Payload: e.Payload,
		PrevHash: e.PrevHash, Hash: e.Hash}
	return true
}

// recordDecoder decodes what appendRecord writes (fastDecode) straight into an envelope
// (Position 0), sharing the strings that repeat from one record to the next (type, actor,
// command id) instead of allocating them again. One per goroutine.
type recordDecoder struct {
	typ, actorID, actorRole, commandID string
}

// decode reports false for a record it does not take (then e is garbage).
func (d *recordDecoder) decode(b []byte, e *event.Envelope) bool {
	p := parser{b: b, ok: true}
	p.lit(`{"id":`)
	e.ID = string(p.rawStr())
	p.lit(`,"stream":`)
	e.Stream = string(p.rawStr())
	p.lit(`,"version":`)
	e.Version = p.uint()
	p.lit(`,"type":`)
	e.Type = intern(&d.typ, p.rawStr())
	p.lit(`,"occurred_at":`)
	e.OccurredAt = p.time()
	p.lit(`,"recorded_at":`)
	e.RecordedAt = p.time()
	p.lit(`,"actor":{"id":`)
	e.Actor.ID = intern(&d.actorID, p.rawStr())
	p.lit(`,"role":`)
	e.Actor.Role = intern(&d.actorRole, p.rawStr())
	p.lit(`},"command_id":`)
	e.CommandID = intern(&d.commandID, p.rawStr())
	p.lit(`,"payload":`)
	e.Payload = p.value()
	p.lit(`,"prev_hash":`)
	e.PrevHash = string(p.rawStr())
	p.lit(`,"hash":`)
	e.Hash = string(p.rawStr())
	p.lit(`}`)
	e.Position = 0
	return p.ok && p.i == len(b)
}

// decodeEnvelope is decodeRecord into an envelope (Position 0).
func (d *recordDecoder) decodeEnvelope(b []byte, e *event.Envelope) error {
	if d.decode(b, e) {
		return nil
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		*e = event.Envelope{}
		return err
	}
	*e = r.envelope(0)
	return nil
}

// intern returns *last when it holds b, else b as a new string, kept in *last.
func intern(last *string, b []byte) string {
	if string(b) != *last {
		*last = string(b)
	}
	return *last
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
func (p *parser) str() string { return string(p.rawStr()) }

// rawStr is str without the copy: the string's bytes in p.b.
func (p *parser) rawStr() []byte {
	if !p.ok || p.i >= len(p.b) || p.b[p.i] != '"' {
		p.ok = false
		return nil
	}
	start := p.i + 1
	end := bytes.IndexByte(p.b[start:], '"')
	if end < 0 {
		p.ok = false
		return nil
	}
	raw := p.b[start : start+end]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) || hasControl(raw) {
		p.ok = false
		return nil
	}
	p.i = start + end + 1
	return raw
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
	s := p.rawStr()
	if !p.ok {
		return time.Time{}
	}
	if t, ok := parseUTC(s); ok {
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		p.ok = false
	}
	return t
}

// parseUTC parses what time.RFC3339Nano writes for a UTC time, 2006-01-02T15:04:05Z with 0
// to 9 digits of fraction, without allocating. For such a string time.Parse(RFC3339Nano)
// checks the same ranges and returns the same time.Date; anything else reports false.
func parseUTC(s []byte) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || len(s) > len("2006-01-02T15:04:05.999999999Z") ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	ok := true
	num := func(b []byte, lo, hi int) int {
		x := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				ok = false
			}
			x = x*10 + int(c) - '0'
		}
		if x < lo || x > hi {
			ok = false
		}
		return x
	}
	year := num(s[0:4], 0, 9999)
	month := num(s[5:7], 1, 12)
	day := num(s[8:10], 1, 31)
	hour := num(s[11:13], 0, 23)
	minute := num(s[14:16], 0, 59)
	sec := num(s[17:19], 0, 59)
	nsec := 0
	if frac := s[19 : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || frac[0] != '.' {
			return time.Time{}, false
		}
		nsec = num(frac[1:], 0, 999999999)
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if !ok || day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}

// value returns a copy of the JSON value at p.i: an object, an array, a string or a literal,
// found by matching brackets outside strings (the brackets' kinds are not checked: a payload
// that is not JSON fails its hash). It ends at the first of these at depth 0: the closing
// bracket of the first bracket, the closing quote of the first string, or a comma or
// closing bracket, which ends a scalar (checked with json.Valid).
func (p *parser) value() json.RawMessage {
	if !p.ok || p.i >= len(p.b) || isSpace(p.b[p.i]) {
		p.ok = false
		return nil
	}
	b, start := p.b, p.i
	i := start
	for i < len(b) && !valueDelim[b[i]] {
		i++
	}
	end := -1
	if i < len(b) {
		switch b[i] {
		case '}', ']', ',':
			p.i = i
			return p.scalar(start)
		case '"':
			end = skipString(b, i)
		default: // '{', '['
			end = skipObject(b, i)
		}
	}
	if end < 0 {
		p.ok = false
		return nil
	}
	p.i = end
	return bytes.Clone(b[start:end])
}

// valueDelim: the bytes value stops at.
var valueDelim = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true, ',': true}

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

// batchPrefix opens a choucha-batch/1 value as encode writes it.
const batchPrefix = `{"format":"` + kafkaFormat + `","command_id":`

// splitBatch splits a choucha-batch/1 value written as encode writes it (no whitespace, the
// fields in encode's order, a command id without escapes) into its command id and the bytes
// of each event record, without copying. It reports false for anything else, which the
// caller decodes with encoding/json. It does not check that the records are JSON: each is
// decoded by fastDecode, and a payload that is not JSON fails its hash.
func splitBatch(value []byte) (commandID string, recs [][]byte, ok bool) {
	p := parser{b: value, ok: true}
	p.lit(batchPrefix)
	commandID = p.str()
	p.lit(`,"events":[`)
	if !p.ok {
		return "", nil, false
	}
	for {
		start := p.i
		if p.i >= len(value) || value[p.i] != '{' {
			return "", nil, false
		}
		end := skipObject(value, p.i)
		if end < 0 {
			return "", nil, false
		}
		recs = append(recs, value[start:end:end])
		p.i = end
		if p.i < len(value) && value[p.i] == ',' {
			p.i++
			continue
		}
		p.lit("]}")
		if !p.ok || p.i != len(value) {
			return "", nil, false
		}
		return commandID, recs, true
	}
}

// skipObject returns the index after the object or array that opens at b[i], found by
// matching brackets outside strings, or -1.
func skipObject(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			if i = skipString(b, i); i < 0 {
				return -1
			}
			i-- // the loop's i++
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// skipString returns the index after the string that opens at b[i] (a quote), or -1: its
// closing quote is the first quote not preceded by an odd number of backslashes (each
// backslash in a string escapes the byte after it).
func skipString(b []byte, i int) int {
	for {
		j := bytes.IndexByte(b[i+1:], '"')
		if j < 0 {
			return -1
		}
		i += j + 1
		k := i
		for b[k-1] == '\\' { // the opening quote is not a backslash
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}
