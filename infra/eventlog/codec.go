package eventlog

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

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

func toRecord(e *event.Envelope) record {
	return record{
		ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type,
		OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt, Actor: e.Actor,
		CommandID: e.CommandID, Payload: e.Payload, PrevHash: e.PrevHash, Hash: e.Hash,
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

// parallel calls fn(worker, lo, hi) over [0, n) split into contiguous ranges. It returns the
// first error; ranges not yet started are skipped once one fails.
func parallel(n, workers int, fn func(worker, lo, hi int) error) error {
	if n == 0 {
		return nil
	}
	workers = min(max(workers, 1), n)
	if workers == 1 {
		return fn(0, 0, n)
	}
	const grain = 256
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if first != nil || next >= n {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+grain)
		return lo, next, true
	}
	for w := range workers {
		wg.Go(func() {
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				if err := fn(w, lo, hi); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// decodeAll decodes raw records (read in the current transaction) into envelopes at the
// given positions. A record that does not decode is ErrTampered.
func decodeAll(op string, raws [][]byte, positions []uint64, out []event.Envelope, workers int) error {
	if len(raws) < 64 {
		workers = 1
	}
	return parallel(len(raws), workers, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			var r record
			if err := json.Unmarshal(raws[i], &r); err != nil {
				return &event.StoreError{Op: op, Err: fmt.Errorf("%w: position %d: record does not decode: %v", event.ErrTampered, positions[i], err)}
			}
			out[i] = r.envelope(positions[i])
		}
		return nil
	})
}
