package eventlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"

	"github.com/choucha/choucha/domain/event"
)

// Append checks and appends a batch in one fsynced bbolt transaction; see event.Store.
//
// The heads are read and the events sealed and encoded before the write transaction (in
// parallel, outside bbolt's writer lock); the write transaction checks the command id and
// the heads again, so a writer that lost the race gets ErrConcurrency and writes nothing.
// The result is what Load and ReadFrom will return: OccurredAt in UTC, RecordedAt UTC
// truncated to microseconds, the payload compacted (shared with the batch when it already
// was compact).
func (b *Bolt) Append(ctx context.Context, batch event.Batch) (event.Result, error) {
	if b.closed.Load() {
		return event.Result{}, &event.StoreError{Op: "append", Err: event.ErrClosed}
	}
	p, err := validate(batch)
	if err != nil {
		return event.Result{}, err
	}
	heads := make([]head, len(batch.Streams))
	var replay *event.Result
	err = b.view(ctx, "append", func(tx *bbolt.Tx) error {
		var err error
		if replay, err = b.replay(tx, batch.CommandID); err != nil || replay != nil {
			return err
		}
		return readHeads(tx, batch, heads, nil)
	})
	if err != nil {
		return event.Result{}, err
	}
	if replay != nil {
		return *replay, nil
	}

	sealed, recs, err := b.seal(ctx, batch, p, heads)
	if err != nil {
		return event.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return event.Result{}, &event.StoreError{Op: "append", Err: err}
	}

	err = storeErr("append", b.db.Update(func(tx *bbolt.Tx) error {
		var err error
		if replay, err = b.replay(tx, batch.CommandID); err != nil || replay != nil {
			return err
		}
		if err := readHeads(tx, batch, nil, heads); err != nil {
			return err
		}
		return write(tx, batch, p, sealed, recs)
	}))
	if err != nil {
		return event.Result{}, err
	}
	if replay != nil {
		return *replay, nil
	}
	return event.Result{Events: sealed}, nil
}

// plan is a validated batch: streams sorted by name, and where each stream's events start
// in the flat result.
type plan struct {
	order   []int
	offsets []int
	total   int
}

// validate checks what can be checked without the log; payloads are checked while sealing.
func validate(b event.Batch) (plan, error) {
	invalid := func(stream, format string, args ...any) error {
		return &event.StoreError{Op: "append", Stream: stream,
			Err: fmt.Errorf("%w: "+format, append([]any{event.ErrInvalid}, args...)...)}
	}
	switch {
	case b.CommandID == "":
		return plan{}, invalid("", "batch has no command id")
	case !validName(b.CommandID):
		return plan{}, invalid("", "command id must be valid UTF-8 of at most %d bytes without NUL", maxNameLen)
	case len(b.Streams) == 0:
		return plan{}, invalid("", "batch has no streams")
	}
	p := plan{order: make([]int, len(b.Streams)), offsets: make([]int, len(b.Streams))}
	for i, sa := range b.Streams {
		if sa.Stream == "" || !validName(sa.Stream) {
			return plan{}, invalid(sa.Stream, "stream name must be non-empty valid UTF-8 of at most %d bytes without NUL", maxNameLen)
		}
		if len(sa.Events) == 0 {
			return plan{}, invalid(sa.Stream, "stream has no events")
		}
		p.order[i], p.offsets[i] = i, p.total
		p.total += len(sa.Events)
		for j := range sa.Events {
			e := &sa.Events[j]
			var problem string
			switch {
			case e.ID == "":
				problem = "has no id"
			case e.Type == "":
				problem = "has no type"
			case e.Stream != sa.Stream:
				problem = fmt.Sprintf("names stream %q", e.Stream)
			case e.CommandID != b.CommandID:
				problem = fmt.Sprintf("has command id %q, the batch %q", e.CommandID, b.CommandID)
			case !utf8.ValidString(e.ID) || !utf8.ValidString(e.Type) || !utf8.ValidString(e.Actor.ID) || !utf8.ValidString(e.Actor.Role):
				problem = "has a field that is not valid UTF-8"
			case e.OccurredAt.Year() < 0 || e.OccurredAt.Year() > 9999:
				problem = "has an occurred-at outside years 0–9999"
			}
			if problem != "" {
				return plan{}, invalid(sa.Stream, "event %d (%s) %s", j, e.ID, problem)
			}
		}
	}
	slices.SortFunc(p.order, func(x, y int) int { return strings.Compare(b.Streams[x].Stream, b.Streams[y].Stream) })
	for k := 1; k < len(p.order); k++ {
		if s := b.Streams[p.order[k]].Stream; s == b.Streams[p.order[k-1]].Stream {
			return plan{}, invalid(s, "stream appears twice in the batch")
		}
	}
	return p, nil
}

func validName(s string) bool {
	return len(s) <= maxNameLen && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// readHeads checks every stream is at its expected version. With into, it records the heads;
// with want, it also checks they are still the ones the events were sealed on.
func readHeads(tx *bbolt.Tx, batch event.Batch, into, want []head) error {
	streams := tx.Bucket(bucketStreams)
	for i, sa := range batch.Streams {
		h, ok := parseHead(streams.Get([]byte(sa.Stream)))
		if !ok {
			return &event.StoreError{Op: "append", Stream: sa.Stream, Err: fmt.Errorf("%w: stream head is malformed", event.ErrTampered)}
		}
		if h.version != sa.ExpectedVersion {
			return &event.StoreError{Op: "append", Stream: sa.Stream, Version: sa.ExpectedVersion,
				Err: fmt.Errorf("%w: expected version %d, stream is at %d", event.ErrConcurrency, sa.ExpectedVersion, h.version)}
		}
		if into != nil {
			into[i] = h
		}
		if want != nil && want[i] != h {
			return &event.StoreError{Op: "append", Stream: sa.Stream, Version: h.version,
				Err: fmt.Errorf("%w: head hash changed at the same version", event.ErrTampered)}
		}
	}
	return nil
}

// replay returns the first outcome of a command id already in the log, or nil.
func (b *Bolt) replay(tx *bbolt.Tx, commandID string) (*event.Result, error) {
	v := tx.Bucket(bucketCommands).Get([]byte(commandID))
	if v == nil {
		return nil, nil
	}
	tampered := func(format string, args ...any) error {
		return &event.StoreError{Op: "append", Err: fmt.Errorf("%w: command %q: "+format, append([]any{event.ErrTampered, commandID}, args...)...)}
	}
	positions, err := parsePositions(v)
	if err != nil {
		return nil, tampered("position list: %v", err)
	}
	events := tx.Bucket(bucketEvents)
	raws := make([][]byte, len(positions))
	for i, pos := range positions {
		if raws[i] = events.Get(be64(pos)); raws[i] == nil {
			return nil, tampered("position %d holds no event", pos)
		}
	}
	out := make([]event.Envelope, len(raws))
	if err := decodeAll("append", raws, positions, out, b.opts.Workers); err != nil {
		return nil, err
	}
	for _, e := range out {
		if e.CommandID != commandID {
			return nil, tampered("position %d holds an event of command %q", e.Position, e.CommandID)
		}
	}
	return &event.Result{Events: out, Replayed: true}, nil
}

// seal fills versions, times, compact payloads and hashes (each stream's chain on one
// worker, streams in parallel), then encodes the records (in parallel).
func (b *Bolt) seal(ctx context.Context, batch event.Batch, p plan, heads []head) ([]event.Envelope, [][]byte, error) {
	now := b.now().UTC().Truncate(time.Microsecond)
	workers := b.opts.Workers
	if p.total < 512 {
		workers = 1
	}
	sealed := make([]event.Envelope, p.total)
	bufs := make([]bytes.Buffer, workers)
	payloads := make([]slab, workers)
	err := parallel(len(batch.Streams), workers, func(w, lo, hi int) error {
		if err := ctx.Err(); err != nil {
			return &event.StoreError{Op: "append", Err: err}
		}
		for si := lo; si < hi; si++ {
			sa := batch.Streams[si]
			prev := heads[si].hash
			for j, e := range sa.Events {
				e.Version = sa.ExpectedVersion + uint64(j) + 1
				e.OccurredAt = e.OccurredAt.UTC()
				e.RecordedAt = now
				e.Position = 0
				if len(e.Payload) == 0 || !isCompact(e.Payload) {
					bufs[w].Reset()
					if err := json.Compact(&bufs[w], e.Payload); err != nil {
						return &event.StoreError{Op: "append", Stream: sa.Stream,
							Err: fmt.Errorf("%w: event %d (%s) payload is not JSON: %v", event.ErrInvalid, j, e.ID, err)}
					}
					payloads[w].Write(bufs[w].Bytes())
					e.Payload = payloads[w].lastWrite()
				}
				if err := e.Seal(prev); err != nil {
					return &event.StoreError{Op: "append", Stream: sa.Stream, Err: fmt.Errorf("%w: %v", event.ErrInvalid, err)}
				}
				prev = e.Hash
				sealed[p.offsets[si]+j] = e
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}

	recs := make([][]byte, p.total)
	slabs := make([]slab, workers)
	scratch := make([][]byte, workers)
	err = parallel(p.total, workers, func(w, lo, hi int) error {
		for i := lo; i < hi; i++ {
			scratch[w] = appendRecord(scratch[w][:0], &sealed[i])
			slabs[w].Write(scratch[w])
			recs[i] = slabs[w].lastWrite()
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return sealed, recs, nil
}

// write puts a sealed batch: events at the next positions (sequential keys, full pages),
// then index entries and heads in stream order so that bbolt appends within each node, then
// the command id.
func write(tx *bbolt.Tx, batch event.Batch, p plan, sealed []event.Envelope, recs [][]byte) error {
	last, err := lastPosition(tx)
	if err != nil {
		return err
	}
	events := tx.Bucket(bucketEvents)
	events.FillPercent = 1.0
	key := make([]byte, 8)
	positions := make([]uint64, len(sealed))
	for i := range sealed {
		pos := last + uint64(i) + 1
		sealed[i].Position, positions[i] = pos, pos
		binary.BigEndian.PutUint64(key, pos)
		if err := events.Put(key, recs[i]); err != nil {
			return err
		}
	}

	index, streams := tx.Bucket(bucketIndex), tx.Bucket(bucketStreams)
	posVals := make([]byte, 8*len(sealed))
	headVals := make([]byte, headLen*len(batch.Streams))
	var ik []byte
	for n, si := range p.order {
		sa, off := batch.Streams[si], p.offsets[si]
		for j := range sa.Events {
			e := &sealed[off+j]
			v := posVals[8*(off+j) : 8*(off+j+1) : 8*(off+j+1)]
			binary.BigEndian.PutUint64(v, e.Position)
			ik = indexKey(ik, sa.Stream, e.Version)
			if err := index.Put(ik, v); err != nil {
				return err
			}
		}
		top := &sealed[off+len(sa.Events)-1]
		hv := headVals[headLen*n : headLen*(n+1) : headLen*(n+1)]
		if err := putHead(hv, top.Version, top.Hash); err != nil {
			return err
		}
		if err := streams.Put([]byte(sa.Stream), hv); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketCommands).Put([]byte(batch.CommandID), appendPositions(nil, positions))
}
