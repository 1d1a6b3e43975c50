package event

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrConcurrency: the stream is not at the expected version.
	ErrConcurrency = errors.New("concurrency conflict")
	// ErrTampered: a hash chain or a stored record does not verify.
	ErrTampered = errors.New("event log does not verify")
	// ErrInvalid: the events given to Append are not well formed (empty type, mixed command ids, …).
	ErrInvalid = errors.New("invalid events")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("event store closed")
)

// StoreError carries where a store operation failed; match the cause with errors.Is.
type StoreError struct {
	Op      string
	Stream  string
	Version uint64
	Err     error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("eventstore %s %q@%d: %v", e.Op, e.Stream, e.Version, e.Err)
}
func (e *StoreError) Unwrap() error { return e.Err }

// StreamAppend is the events for one stream, to be appended when the stream is at
// ExpectedVersion (0: the stream must not exist yet).
type StreamAppend struct {
	Stream          string
	ExpectedVersion uint64
	Events          []Envelope
}

// Batch is what one command appends: one or more streams, all or nothing.
// Every event carries CommandID; a CommandID already in the log appends nothing.
type Batch struct {
	CommandID string
	Streams   []StreamAppend
}

// Result is what Append recorded: the sealed events with versions, hashes and positions.
// Replayed is true when the command id was seen before; Events are then the first outcome.
type Result struct {
	Events   []Envelope
	Replayed bool
}

// Store is the event log port. Adapters: infra/eventlog (embedded file; Kafka).
// Every adapter passes infra/eventlog/eventlogtest.
type Store interface {
	// Append checks every stream's expected version (ErrConcurrency if any differs), sets
	// Version (expected+1 …), RecordedAt, PrevHash, Hash and Position, and appends the whole
	// batch atomically and durably. Callers fill ID, Stream, Type, OccurredAt, Actor, Payload.
	Append(ctx context.Context, b Batch) (Result, error)
	// Load returns a stream's events in version order (empty, no error, if it does not exist).
	Load(ctx context.Context, stream string) ([]Envelope, error)
	// Version returns a stream's current version (0 if it does not exist).
	Version(ctx context.Context, stream string) (uint64, error)
	// ReadFrom calls fn for each event at position ≥ from in log order, up to the head at call time.
	ReadFrom(ctx context.Context, from uint64, fn func(Envelope) error) error
	// Head is the position of the last event (0 for an empty log).
	Head(ctx context.Context) (uint64, error)
	Close() error
}
