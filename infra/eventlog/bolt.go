// Package eventlog holds the adapters of the event.Store port. Bolt is the embedded one: the
// whole log in one bbolt file, every batch one fsynced transaction, one process at a time.
// Every adapter passes eventlogtest.Run. The file layout is described in codec.go.
package eventlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/choucha/choucha/domain/event"
)

// ErrLocked: another process (or another Bolt in this one) has the file open.
var ErrLocked = errors.New("event log file is locked by another process")

// BoltOptions tunes OpenBolt. The zero value is the production setting.
type BoltOptions struct {
	// LockTimeout is how long OpenBolt waits for the file lock before it fails with
	// ErrLocked. Default 1s.
	LockTimeout time.Duration
	// ReadChunk is how many events ReadFrom and Verify read per read transaction, so that a
	// long scan never holds one transaction (and with it bbolt's remapping) for minutes.
	// Default 10000.
	ReadChunk int
	// Workers is how many goroutines seal, encode and decode events. Default GOMAXPROCS.
	Workers int
	// InitialMmapSize is the size bbolt maps the file with at open (address space only; the
	// file grows as data comes). A commit that grows the file past the mapping remaps it,
	// and bbolt then copies every page the commit dirtied, once per remap: for a batch of a
	// million events that doubles both the time and the memory. A large mapping also means
	// readers never hold up a writer that grows the file. Default on 64-bit systems:
	// max(8 GiB, twice the file); on 32-bit, 0 (bbolt's doubling).
	InitialMmapSize int
	// NoFreelistSync skips writing bbolt's freelist on commit. Data stay durable (pages and
	// meta are still fsynced) but every open rebuilds the freelist by scanning the whole
	// file, which for a log of gigabytes costs seconds. Default false.
	NoFreelistSync bool
}

const defaultMmapSize int64 = 8 << 30

func (o *BoltOptions) setDefaults() {
	if o.LockTimeout == 0 {
		o.LockTimeout = time.Second
	}
	if o.ReadChunk == 0 {
		o.ReadChunk = 10_000
	}
	if o.Workers == 0 {
		o.Workers = defaultWorkers()
	}
}

// Validate returns every problem of the options at once.
func (o BoltOptions) Validate() error {
	var errs []error
	if o.LockTimeout < 0 {
		errs = append(errs, fmt.Errorf("LockTimeout %s is negative", o.LockTimeout))
	}
	if o.ReadChunk < 0 {
		errs = append(errs, fmt.Errorf("ReadChunk %d is negative", o.ReadChunk))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("Workers %d is negative", o.Workers))
	}
	if o.InitialMmapSize < 0 {
		errs = append(errs, fmt.Errorf("InitialMmapSize %d is negative", o.InitialMmapSize))
	}
	return errors.Join(errs...)
}

// Bolt is the embedded event.Store: one bbolt file, one process at a time.
type Bolt struct {
	db     *bbolt.DB
	path   string
	opts   BoltOptions
	closed atomic.Bool
	now    func() time.Time
}

var _ event.Store = (*Bolt)(nil)

// OpenBolt opens (creating if needed) the log at path. If another process holds the file it
// fails after opts.LockTimeout with an error wrapping ErrLocked.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	if opts.InitialMmapSize == 0 && strconv.IntSize == 64 {
		size := defaultMmapSize
		if fi, err := os.Stat(path); err == nil {
			size = max(size, 2*fi.Size())
		}
		opts.InitialMmapSize = int(size)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         opts.LockTimeout,
		FreelistType:    bbolt.FreelistMapType,
		NoFreelistSync:  opts.NoFreelistSync,
		InitialMmapSize: opts.InitialMmapSize,
		// NoSync stays false: every commit is fsynced before Append returns.
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("eventlog: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			if tx.Bucket(bucketEvents) != nil {
				return fmt.Errorf("file has events but no format marker")
			}
			if err := meta.Put(keyFormat, formatVersion); err != nil {
				return err
			}
		case !bytes.Equal(f, formatVersion):
			return fmt.Errorf("file format %q, this build reads %q", f, formatVersion)
		}
		for _, name := range [][]byte{bucketEvents, bucketStreams, bucketIndex, bucketCommands} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	return &Bolt{db: db, path: path, opts: opts, now: time.Now}, nil
}

// Path is the file the log lives in.
func (b *Bolt) Path() string { return b.path }

// Close closes the file; it waits for running transactions. Closing twice is a no-op.
func (b *Bolt) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	if err := b.db.Close(); err != nil {
		return &event.StoreError{Op: "close", Err: err}
	}
	return nil
}

// Head is the position of the last event (0 for an empty log).
func (b *Bolt) Head(ctx context.Context) (uint64, error) {
	var pos uint64
	err := b.view(ctx, "head", func(tx *bbolt.Tx) error {
		var err error
		pos, err = lastPosition(tx)
		return err
	})
	return pos, err
}

// Version is a stream's current version (0 if it does not exist).
func (b *Bolt) Version(ctx context.Context, stream string) (uint64, error) {
	var h head
	err := b.view(ctx, "version", func(tx *bbolt.Tx) error {
		var ok bool
		if h, ok = parseHead(tx.Bucket(bucketStreams).Get([]byte(stream))); !ok {
			return &event.StoreError{Op: "version", Stream: stream, Err: fmt.Errorf("%w: stream head is malformed", event.ErrTampered)}
		}
		return nil
	})
	return h.version, err
}

// Load returns a stream's events in version order (nil if the stream does not exist).
func (b *Bolt) Load(ctx context.Context, stream string) ([]event.Envelope, error) {
	var out []event.Envelope
	err := b.view(ctx, "load", func(tx *bbolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		prefix := indexPrefix(stream)
		var (
			raws      [][]byte
			positions []uint64
		)
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			s, version, ok := parseIndexKey(k)
			pos, okPos := positionOf(v)
			raw := events.Get(v)
			if !ok || s != stream || !okPos || raw == nil || version != uint64(len(raws)+1) {
				return &event.StoreError{Op: "load", Stream: stream, Version: uint64(len(raws) + 1),
					Err: fmt.Errorf("%w: stream index entry %x → %x does not match an event", event.ErrTampered, k, v)}
			}
			raws = append(raws, raw)
			positions = append(positions, pos)
		}
		if len(raws) == 0 {
			return nil
		}
		out = make([]event.Envelope, len(raws))
		if err := decodeAll("load", raws, positions, out, b.opts.Workers); err != nil {
			return err
		}
		for i, e := range out {
			if e.Stream != stream || e.Version != uint64(i+1) {
				return &event.StoreError{Op: "load", Stream: stream, Version: uint64(i + 1),
					Err: fmt.Errorf("%w: position %d holds %q@%d", event.ErrTampered, e.Position, e.Stream, e.Version)}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFrom calls fn for each event at position ≥ from, up to the head at call time, in log
// order. It reads ReadChunk events per read transaction and calls fn outside any
// transaction, so fn may append (what it appends is past the head ReadFrom stops at).
// An error from fn stops the read and is returned as is. Like Load it does not check
// hashes: that is Verify's job (and event.VerifyStream's).
func (b *Bolt) ReadFrom(ctx context.Context, from uint64, fn func(event.Envelope) error) error {
	next := max(from, 1)
	var (
		last  uint64
		first = true
		buf   = make([]event.Envelope, 0, min(b.opts.ReadChunk, 1024))
	)
	for {
		err := b.view(ctx, "read", func(tx *bbolt.Tx) error {
			if first {
				first = false
				var err error
				if last, err = lastPosition(tx); err != nil {
					return err
				}
			}
			var err error
			buf, err = b.readChunk(tx, next, last, buf[:0])
			return err
		})
		if err != nil {
			return err
		}
		if len(buf) == 0 {
			return nil
		}
		for _, e := range buf {
			if err := fn(e); err != nil {
				return err
			}
		}
		next = buf[len(buf)-1].Position + 1
		if next > last {
			return nil
		}
	}
}

// readChunk decodes up to ReadChunk events at positions from..last.
func (b *Bolt) readChunk(tx *bbolt.Tx, from, last uint64, out []event.Envelope) ([]event.Envelope, error) {
	var (
		raws      [][]byte
		positions []uint64
	)
	c := tx.Bucket(bucketEvents).Cursor()
	for k, v := c.Seek(be64(from)); k != nil && len(raws) < b.opts.ReadChunk; k, v = c.Next() {
		pos, ok := positionOf(k)
		if !ok {
			return nil, &event.StoreError{Op: "read", Err: fmt.Errorf("%w: events key %x is not a position", event.ErrTampered, k)}
		}
		if pos > last {
			break
		}
		raws = append(raws, v)
		positions = append(positions, pos)
	}
	if cap(out) < len(raws) {
		out = make([]event.Envelope, len(raws))
	}
	out = out[:len(raws)]
	return out, decodeAll("read", raws, positions, out, b.opts.Workers)
}

func lastPosition(tx *bbolt.Tx) (uint64, error) {
	k, _ := tx.Bucket(bucketEvents).Cursor().Last()
	if k == nil {
		return 0, nil
	}
	pos, ok := positionOf(k)
	if !ok {
		return 0, &event.StoreError{Op: "head", Err: fmt.Errorf("%w: events key %x is not a position", event.ErrTampered, k)}
	}
	return pos, nil
}

func (b *Bolt) view(ctx context.Context, op string, fn func(*bbolt.Tx) error) error {
	if b.closed.Load() {
		return &event.StoreError{Op: op, Err: event.ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return &event.StoreError{Op: op, Err: err}
	}
	return storeErr(op, b.db.View(fn))
}

// storeErr wraps what bbolt returned: a closed database is ErrClosed, a *StoreError passes.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if se := (*event.StoreError)(nil); errors.As(err, &se) {
		return err
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return &event.StoreError{Op: op, Err: event.ErrClosed}
	}
	return &event.StoreError{Op: op, Err: err}
}
