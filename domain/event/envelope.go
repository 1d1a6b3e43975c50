// Package event holds the envelope every change in choucha is recorded in, the per-stream hash
// chain that makes a stream tamper-evident, and the EventStore port its adapters implement.
package event

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Actor is who caused an event.
type Actor struct {
	ID   string `json:"id"`
	Role string `json:"role"`
}

// Envelope is one recorded event. Type is a stable dotted name with a version
// (e.g. "directory.enterprise_registered.v1"), never derived from a Go type name.
type Envelope struct {
	ID         string          `json:"id"` // UUIDv7
	Stream     string          `json:"stream"`
	Version    uint64          `json:"version"` // 1, 2, 3 … per stream
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	RecordedAt time.Time       `json:"recorded_at"`
	Actor      Actor           `json:"actor"`
	CommandID  string          `json:"command_id"`
	Payload    json.RawMessage `json:"payload"`
	PrevHash   string          `json:"prev_hash"` // hex; "" for version 1
	Hash       string          `json:"hash"`      // hex SHA-256(prev hash ‖ canonical bytes)
	// Position is the event's place in the whole log (1, 2, 3 …), assigned by the store.
	// It is not part of the hash: the same stream may sit at other positions in another log.
	Position uint64 `json:"position"`
}

// CanonicalBytes is the byte string the hash covers: the JSON object of the fields id,
// stream, version, type, occurred_at, recorded_at (both UTC, RFC 3339 with nanoseconds),
// actor, command_id and payload (compacted; null when empty), in that order, as
// encoding/json's Marshal writes it (canonical.go).
func (e Envelope) CanonicalBytes() ([]byte, error) {
	return appendCanonical(nil, &e)
}

// AppendCanonical appends the canonical bytes to dst (CanonicalBytes without the
// allocation); on error it returns dst unchanged.
func (e Envelope) AppendCanonical(dst []byte) ([]byte, error) {
	return appendCanonical(dst, &e)
}

// ComputeHash returns hex SHA-256(prevHash bytes ‖ canonical bytes).
func (e Envelope) ComputeHash(prevHash string) (string, error) {
	h, err := sum(&e, prevHash)
	if err != nil {
		return "", err
	}
	var b [2 * len(h)]byte
	hex.Encode(b[:], h[:])
	return string(b[:]), nil
}

// CheckHash reports whether e.Hash is ComputeHash(prevHash), without allocating; the error
// is ComputeHash's.
func (e Envelope) CheckHash(prevHash string) (bool, error) {
	h, err := sum(&e, prevHash)
	if err != nil {
		return false, err
	}
	return hashEqual(&h, e.Hash), nil
}

// Seal sets PrevHash and Hash; stores call it when they append.
func (e *Envelope) Seal(prevHash string) error {
	h, err := e.ComputeHash(prevHash)
	if err != nil {
		return err
	}
	e.PrevHash, e.Hash = prevHash, h
	return nil
}

// VerifyStream checks that events are one stream's versions 1..n in order and that each
// hash is the chain of the one before. It names the first event that does not verify.
func VerifyStream(events []Envelope) error {
	prev := ""
	for i, e := range events {
		if e.Stream != events[0].Stream {
			return fmt.Errorf("%w: event %d belongs to stream %q, not %q", ErrTampered, i, e.Stream, events[0].Stream)
		}
		if e.Version != uint64(i+1) {
			return fmt.Errorf("%w: stream %q: event %d has version %d, want %d", ErrTampered, e.Stream, i, e.Version, i+1)
		}
		if e.PrevHash != prev {
			return fmt.Errorf("%w: stream %q version %d: prev hash does not match version %d", ErrTampered, e.Stream, e.Version, e.Version-1)
		}
		ok, err := e.CheckHash(prev)
		if err != nil {
			return fmt.Errorf("%w: stream %q version %d: %v", ErrTampered, e.Stream, e.Version, err)
		}
		if !ok {
			return fmt.Errorf("%w: stream %q version %d: hash mismatch", ErrTampered, e.Stream, e.Version)
		}
		prev = e.Hash
	}
	return nil
}
