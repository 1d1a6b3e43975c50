// Package projections turns events into read models and declares the queries they serve.
// infra/memory implements them for the embedded mode; infra/clickhouse will for the distributed one.
package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/choucha/choucha/domain/event"
)

// ErrNotFound: no such row.
var ErrNotFound = errors.New("not found")

// ErrUnavailable: the read-model store cannot be reached now (a ClickHouse server down or
// restarting); the request may be retried. The edge answers 503, never 500.
var ErrUnavailable = errors.New("read model unavailable")

// Projector applies events to one read model. Apply must be idempotent: a redelivered event
// (version ≤ the row's version) is skipped.
type Projector interface {
	Name() string
	Apply(e event.Envelope) error
}

// Guard decides per stream whether an event is new (ARCHITECTURE "Events" rule 3):
// version ≤ stored → skip; version > stored+1 → a gap, applied but flagged.
type Guard struct {
	Skipped, Gaps, Rejected int
}

// Reject records an event the read model cannot fold (its aggregate refuses it in the row's
// state, or its payload does not decode). The row stays as it was and the projection goes
// on: one bad event must not stop every read model (and a serve's start) behind it. The
// first few are logged; Rejected counts all.
func (g *Guard) Reject(e event.Envelope, err error) {
	g.Rejected++
	if g.Rejected <= 10 {
		slog.Warn("projection rejected an event; its row is unchanged", "stream", e.Stream, "version", e.Version,
			"type", e.Type, "position", e.Position, "err", err, "rejected_so_far", g.Rejected)
	}
}

// Admit reports whether an event at version should be applied over a row at stored.
func (g *Guard) Admit(stream string, stored, version uint64) bool {
	if version <= stored {
		g.Skipped++
		return false
	}
	if version > stored+1 {
		g.Gaps++
		slog.Warn("projection gap", "stream", stream, "stored", stored, "version", version)
	}
	return true
}

// Runner feeds projectors from the log's global position, in log order.
type Runner struct {
	store      event.Store
	projectors []Projector
	mu         sync.Mutex
	pos        uint64 // last applied position
}

func NewRunner(store event.Store, ps ...Projector) *Runner {
	if store == nil {
		panic("projections: nil store")
	}
	return &Runner{store: store, projectors: ps}
}

// CatchUp applies every event after the last applied one and returns how many it read.
func (r *Runner) CatchUp(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	err := r.store.ReadFrom(ctx, r.pos+1, func(e event.Envelope) error {
		for _, p := range r.projectors {
			if err := p.Apply(e); err != nil {
				return fmt.Errorf("projection %s at position %d (%s %s@%d): %w", p.Name(), e.Position, e.Type, e.Stream, e.Version, err)
			}
		}
		r.pos = e.Position
		n++
		return nil
	})
	return n, err
}

// Position is the last applied log position.
func (r *Runner) Position() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}
