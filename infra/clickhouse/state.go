package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/projections"
)

// Model is an in-memory read model (infra/memory) that a StateProjector folds every event into
// and copies to ClickHouse: it says which rows an event touched and renders their current
// state as rows to insert.
//
// Why fold in memory and copy snapshots, rather than derive rows from single events: a task's
// row depends on its whole stream (a returned result, a re-record, a re-check) and on other
// streams (the plan's team, the enterprise's name). The memory models already implement those
// rules and pass the same contract suites, so ClickHouse holds exactly what the embedded mode
// shows. The price is memory in `choucha project` and a replay from position 1 at every
// start (see README.md, "Projector state").
type Model interface {
	projections.Projector
	// Touched lists the keys whose rows may have changed after e was applied.
	Touched(e event.Envelope) []string
	// Rows renders the current rows of keys, each insert naming its columns (see the package
	// comment). position is the log position the rows are current as of: tables keyed by
	// these keys are ReplacingMergeTree(position), so a re-sent or older snapshot never wins.
	Rows(keys []string, position uint64) ([]Insert, error)
}

// Projector is what `choucha project` runs: a projector that resumes after its stored
// offset (Start), sends in batches (Flush records the offset after the send) and names its
// tables for a rebuild.
type Projector interface {
	projections.Projector
	Start(ctx context.Context) (resume uint64, err error)
	Flush(ctx context.Context) error
	Tables() []string
}

var (
	_ Projector = (*StateProjector)(nil)
	_ Projector = (*DisclosureProjector)(nil)
)

// ErrSend: a batch or an offset could not be written to ClickHouse (down, restarting, a
// timeout). Nothing was dropped; Flush again later.
var ErrSend = errors.New("clickhouse: batch not sent")

// Insert is one batch for one table.
type Insert struct {
	SQL  string // "INSERT INTO t (a, b, …)"
	Rows [][]any
}

// StateProjector copies a Model's touched rows to ClickHouse in batches. Every event is
// folded into the model, but only events after the stored offset (Start) mark rows: a
// restart replays the log from position 1 to rebuild the model and writes nothing twice
// that was sent and recorded before. Flush sends the touched rows and only then records the
// position, so a batch that was not sent is never counted as done; a batch sent twice (crash
// between send and record) is harmless, since the tables replace by position.
type StateProjector struct {
	conn      driver.Conn
	model     Model
	tables    []string
	batchSize int

	mu        sync.Mutex
	resume    uint64 // stored offset at Start
	touched   []string
	seen      map[string]struct{}
	pos       uint64
	committed uint64
}

// NewStateProjector writes model's rows to tables (listed for --rebuild) every batchSize
// touched keys (DefaultBatchSize if ≤ 0) and at every Flush.
func NewStateProjector(conn driver.Conn, model Model, tables []string, batchSize int) *StateProjector {
	if conn == nil || model == nil {
		panic("clickhouse: state projector needs a connection and a model")
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	return &StateProjector{conn: conn, model: model, tables: tables, batchSize: batchSize, seen: map[string]struct{}{}}
}

func (p *StateProjector) Name() string { return p.model.Name() }

// Tables are the tables the projector fills (emptied by a rebuild).
func (p *StateProjector) Tables() []string { return p.tables }

// Start reads the stored offset: events up to it are folded without writing.
func (p *StateProjector) Start(ctx context.Context) (uint64, error) {
	pos, err := Offset(ctx, p.conn, p.Name())
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resume, p.committed = pos, pos
	return pos, nil
}

func (p *StateProjector) Apply(e event.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.model.Apply(e); err != nil {
		return err
	}
	p.pos = max(p.pos, e.Position)
	if e.Position <= p.resume {
		return nil
	}
	for _, k := range p.model.Touched(e) {
		if _, ok := p.seen[k]; !ok {
			p.seen[k] = struct{}{}
			p.touched = append(p.touched, k)
		}
	}
	if len(p.touched) >= p.batchSize {
		return p.flush(context.Background())
	}
	return nil
}

// Flush sends the touched rows, then records the position. On an error nothing is dropped:
// the keys stay touched and the position unrecorded.
func (p *StateProjector) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flush(ctx)
}

func (p *StateProjector) flush(ctx context.Context) error {
	if len(p.touched) > 0 {
		inserts, err := p.model.Rows(p.touched, p.pos)
		if err != nil {
			return fmt.Errorf("clickhouse: %s: render %d rows: %w", p.Name(), len(p.touched), err)
		}
		for _, in := range inserts {
			if err := sendBatch(ctx, p.conn, in); err != nil {
				return fmt.Errorf("%w: %s: %d rows: %w", ErrSend, p.Name(), len(in.Rows), err)
			}
		}
		p.touched = p.touched[:0]
		clear(p.seen)
	}
	if p.pos > p.committed {
		if err := recordOffset(ctx, p.conn, p.Name(), p.pos); err != nil {
			return fmt.Errorf("%w: %s: record position %d: %w", ErrSend, p.Name(), p.pos, err)
		}
		p.committed = p.pos
	}
	return nil
}

// Buffered is how many touched keys wait for the next batch.
func (p *StateProjector) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.touched)
}

func sendBatch(ctx context.Context, conn driver.Conn, in Insert) error {
	if len(in.Rows) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, in.SQL)
	if err != nil {
		return err
	}
	defer b.Close()
	for _, r := range in.Rows {
		if err := b.Append(r...); err != nil {
			return err
		}
	}
	return b.Send()
}
