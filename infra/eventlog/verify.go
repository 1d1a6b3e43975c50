package eventlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/choucha/choucha/domain/event"
)

// VerifyReport is what Verify walked.
type VerifyReport struct {
	Head     uint64 // positions 1..Head verify
	Streams  int    // streams with events at positions ≤ Head
	Commands int    // command ids with events at positions ≤ Head
	Elapsed  time.Duration
}

// Verify walks the whole log, ReadChunk events per read transaction, and checks that
// positions run 1..head without a gap, each stream's versions run 1..n, every hash chain
// verifies (event.VerifyStream, streaming: only each stream's last hash is kept), and the
// stream heads, the stream index and the command ids agree with the events. The first
// problem is returned as a *event.StoreError wrapping event.ErrTampered that names its
// position, stream and version. Appends may run meanwhile: Verify checks the log up to the
// head it saw first, and of what came later only that the indexes point at events.
func (b *Bolt) Verify(ctx context.Context) (VerifyReport, error) {
	start := time.Now()
	v := &verifier{b: b, streams: map[string]streamState{}, commands: map[string]commandState{}}
	if err := b.view(ctx, "verify", func(tx *bbolt.Tx) error {
		var err error
		v.head, err = lastPosition(tx)
		return err
	}); err != nil {
		return VerifyReport{}, err
	}
	for next := uint64(1); next <= v.head; {
		var n uint64
		if err := b.view(ctx, "verify", func(tx *bbolt.Tx) error {
			var err error
			n, err = v.events(tx, next)
			return err
		}); err != nil {
			return VerifyReport{}, err
		}
		next += n
	}
	for _, step := range []struct {
		bucket []byte
		fn     func(tx *bbolt.Tx, k, val []byte) error
	}{{bucketStreams, v.streamHead}, {bucketIndex, v.indexEntry}, {bucketCommands, v.command}} {
		if err := b.scan(ctx, step.bucket, step.fn); err != nil {
			return VerifyReport{}, err
		}
	}
	if err := v.unmatched(); err != nil {
		return VerifyReport{}, err
	}
	return VerifyReport{Head: v.head, Streams: len(v.streams), Commands: len(v.commands), Elapsed: time.Since(start)}, nil
}

type streamState struct {
	version uint64
	hash    [32]byte
	matched bool // has a head
}

type commandState struct {
	n, sum, first uint64
	stream        string
	matched       bool // has a command entry
}

type verifier struct {
	b        *Bolt
	head     uint64
	streams  map[string]streamState
	commands map[string]commandState
}

func tampered(pos uint64, stream string, version uint64, format string, args ...any) error {
	where := ""
	if pos > 0 {
		where = fmt.Sprintf("position %d: ", pos)
	}
	return &event.StoreError{Op: "verify", Stream: stream, Version: version,
		Err: fmt.Errorf("%w: %s%s", event.ErrTampered, where, fmt.Sprintf(format, args...))}
}

type checked struct {
	e       event.Envelope
	err     error // the record does not decode
	hashErr error // the hash cannot be computed (the payload is not JSON)
	hashOK  bool
}

// events verifies up to ReadChunk events from position next and says how many it did.
func (v *verifier) events(tx *bbolt.Tx, next uint64) (uint64, error) {
	var raws [][]byte
	c := tx.Bucket(bucketEvents).Cursor()
	for k, val := c.Seek(be64(next)); k != nil && len(raws) < v.b.opts.ReadChunk; k, val = c.Next() {
		want := next + uint64(len(raws))
		if want > v.head {
			break
		}
		if pos, ok := positionOf(k); !ok || pos != want {
			return 0, tampered(want, "", 0, "missing (next key is %x)", k)
		}
		raws = append(raws, val)
	}
	if len(raws) == 0 {
		return 0, tampered(next, "", 0, "missing")
	}
	out := make([]checked, len(raws))
	workers := v.b.opts.Workers
	if len(raws) < 64 {
		workers = 1
	}
	dec := make([]recordDecoder, max(workers, 1))
	_ = parallel(len(raws), workers, func(w, lo, hi int) error {
		for i := lo; i < hi; i++ {
			e := &out[i].e
			if err := dec[w].decodeEnvelope(raws[i], e); err != nil {
				out[i].err = err
				continue
			}
			e.Position = next + uint64(i)
			ok, err := e.CheckHash(e.PrevHash)
			out[i].hashErr, out[i].hashOK = err, ok
		}
		return nil
	})

	index := tx.Bucket(bucketIndex)
	var ik []byte
	for i := range out {
		pos, e := next+uint64(i), &out[i].e
		if out[i].err != nil {
			return 0, tampered(pos, "", 0, "record does not decode: %v", out[i].err)
		}
		if e.Stream == "" || e.CommandID == "" {
			return 0, tampered(pos, e.Stream, e.Version, "event has no stream or no command id")
		}
		st := v.streams[e.Stream]
		if e.Version != st.version+1 {
			return 0, tampered(pos, e.Stream, e.Version, "version %d follows version %d", e.Version, st.version)
		}
		prev := ""
		if st.version > 0 {
			prev = hex.EncodeToString(st.hash[:])
		}
		if e.PrevHash != prev {
			return 0, tampered(pos, e.Stream, e.Version, "prev hash does not match version %d", st.version)
		}
		if out[i].hashErr != nil {
			return 0, tampered(pos, e.Stream, e.Version, "%v", out[i].hashErr)
		}
		if !out[i].hashOK {
			return 0, tampered(pos, e.Stream, e.Version, "hash mismatch")
		}
		ik = indexKey(ik, e.Stream, e.Version)
		switch got := index.Get(ik); {
		case got == nil:
			return 0, tampered(pos, e.Stream, e.Version, "stream index has no entry for the event")
		case !bytes.Equal(got, be64(pos)):
			return 0, tampered(pos, e.Stream, e.Version, "stream index points at %x", got)
		}
		st.version = e.Version
		if _, err := hex.Decode(st.hash[:], []byte(e.Hash)); err != nil || len(e.Hash) != 64 {
			return 0, tampered(pos, e.Stream, e.Version, "hash is not 32 hex bytes")
		}
		v.streams[e.Stream] = st

		cs, ok := v.commands[e.CommandID]
		if !ok {
			cs = commandState{first: pos, stream: e.Stream}
		}
		cs.n++
		cs.sum += pos
		v.commands[e.CommandID] = cs
	}
	return uint64(len(out)), nil
}

// laterEvent reports whether an index value points at an event appended after Verify began.
func (v *verifier) laterEvent(tx *bbolt.Tx, val []byte) bool {
	pos, ok := positionOf(val)
	return ok && pos > v.head && tx.Bucket(bucketEvents).Get(val) != nil
}

func (v *verifier) streamHead(tx *bbolt.Tx, k, val []byte) error {
	stream := string(k)
	h, ok := parseHead(val)
	if !ok {
		return tampered(0, stream, 0, "stream head is malformed")
	}
	index := tx.Bucket(bucketIndex)
	st, seen := v.streams[stream]
	switch {
	case !seen:
		if h.version == 0 || !v.laterEvent(tx, index.Get(indexKey(nil, stream, 1))) {
			return tampered(0, stream, h.version, "stream has a head but no events")
		}
		return nil
	case h.version < st.version:
		return tampered(0, stream, h.version, "stream head is at version %d, its events go to %d", h.version, st.version)
	case h.version == st.version && h.hash != hex.EncodeToString(st.hash[:]):
		return tampered(0, stream, h.version, "stream head hash does not match the event's")
	case h.version > st.version && !v.laterEvent(tx, index.Get(indexKey(nil, stream, st.version+1))):
		return tampered(0, stream, h.version, "stream head is at version %d, its events go to %d", h.version, st.version)
	}
	st.matched = true
	v.streams[stream] = st
	return nil
}

func (v *verifier) indexEntry(tx *bbolt.Tx, k, val []byte) error {
	stream, version, ok := parseIndexKey(k)
	pos, okPos := positionOf(val)
	if !ok || !okPos || version == 0 {
		return tampered(0, stream, version, "stream index entry %x → %x is malformed", k, val)
	}
	if pos > v.head {
		if !v.laterEvent(tx, val) {
			return tampered(pos, stream, version, "stream index points at a missing event")
		}
		return nil
	}
	// Entries for the events walked were checked there; any other pointing ≤ head is extra.
	if st, seen := v.streams[stream]; !seen || version > st.version {
		return tampered(pos, stream, version, "stream index entry for an event that is not in the log")
	}
	return nil
}

func (v *verifier) command(tx *bbolt.Tx, k, val []byte) error {
	cmd := string(k)
	ps, err := parsePositions(val)
	if err != nil {
		return tampered(0, "", 0, "command %q: position list: %v", cmd, err)
	}
	var n, sum uint64
	for _, p := range ps {
		if p <= v.head {
			n++
			sum += p
		} else if !v.laterEvent(tx, be64(p)) {
			return tampered(p, "", 0, "command %q lists a missing event", cmd)
		}
	}
	cs, seen := v.commands[cmd]
	switch {
	case n == 0 && !seen:
		return nil
	case n != uint64(len(ps)):
		return tampered(ps[0], cs.stream, 0, "command %q lists positions on both sides of head %d", cmd, v.head)
	case !seen || cs.n != n || cs.sum != sum:
		return tampered(ps[0], cs.stream, 0, "command %q lists positions that are not its events", cmd)
	}
	cs.matched = true
	v.commands[cmd] = cs
	return nil
}

// unmatched names a stream with events but no head, or a command with events but no entry.
func (v *verifier) unmatched() error {
	var lost []string
	for s, st := range v.streams {
		if !st.matched {
			lost = append(lost, s)
		}
	}
	if len(lost) > 0 {
		s := slices.Min(lost)
		return tampered(0, s, v.streams[s].version, "stream has events but no head (%d such streams)", len(lost))
	}
	for c, cs := range v.commands {
		if !cs.matched {
			lost = append(lost, c)
		}
	}
	if len(lost) > 0 {
		c := slices.Min(lost)
		return tampered(v.commands[c].first, v.commands[c].stream, 0, "command %q has events but no command entry (%d such commands)", c, len(lost))
	}
	return nil
}

// scan calls fn for every key of a bucket, ReadChunk keys per read transaction.
func (b *Bolt) scan(ctx context.Context, bucket []byte, fn func(tx *bbolt.Tx, k, v []byte) error) error {
	var after []byte
	for {
		done := false
		err := b.view(ctx, "verify", func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n := 0; ; n++ {
				if k == nil {
					done = true
					return nil
				}
				if n == b.opts.ReadChunk {
					return nil
				}
				if err := fn(tx, k, v); err != nil {
					return err
				}
				after = append(after[:0], k...)
				k, v = c.Next()
			}
		})
		if err != nil || done {
			return err
		}
	}
}
