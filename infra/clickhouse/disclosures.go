package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/projections"
)

// DisclosureProjectorName is the projector's name: the key of its row in projection_offsets
// (no Kafka consumer group: the offset is a log position kept beside the rows). Renaming it
// re-reads the whole log.
const DisclosureProjectorName = "disclosures"

// DefaultBatchSize is the batch size NewDisclosureProjector uses for a size ≤ 0.
const DefaultBatchSize = 1000

const insertDisclosures = "INSERT INTO disclosures (task, plan, uscc, enterprise, region_code, authority, items, inspected_on, results, published_on, version)"

const insertOffset = "INSERT INTO projection_offsets (projector, position, updated_at)"

// DisclosureProjector fills the disclosures table from inspection.result_published.v1
// events, in batches. Apply buffers (and sends a full batch); Flush sends what is buffered
// and only then records the last applied log position in projection_offsets, so a batch that
// was not sent is never counted as done. Rows are idempotent: the table is a
// ReplacingMergeTree(version) keyed by task and every query reads it with FINAL, so a
// redelivered event or a re-sent batch changes nothing.
type DisclosureProjector struct {
	conn      driver.Conn
	batchSize int

	mu        sync.Mutex
	rows      []disclosureRow
	index     map[string]int // task → place in rows
	resume    uint64         // stored offset at Start: events up to it are skipped
	pos       uint64         // last applied position
	committed uint64         // last position recorded in projection_offsets by this process
}

type disclosureRow struct {
	task, plan, uscc, enterprise, regionCode, authority string
	items, results                                      []string
	inspectedOn, publishedOn                            time.Time
	version                                             uint64
}

var _ projections.Projector = (*DisclosureProjector)(nil)

// NewDisclosureProjector sends a batch every batchSize rows (DefaultBatchSize if ≤ 0).
func NewDisclosureProjector(conn driver.Conn, batchSize int) *DisclosureProjector {
	if conn == nil {
		panic("clickhouse: disclosure projector needs a connection")
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	return &DisclosureProjector{conn: conn, batchSize: batchSize, index: map[string]int{}}
}

func (p *DisclosureProjector) Name() string { return DisclosureProjectorName }

// Tables are the tables the projector fills (emptied by a rebuild).
func (p *DisclosureProjector) Tables() []string {
	return []string{"disclosures", "disclosures_by_uscc"}
}

// Start reads the stored offset; events up to it are skipped (they were sent before).
func (p *DisclosureProjector) Start(ctx context.Context) (uint64, error) {
	pos, err := p.Position(ctx)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resume, p.committed = pos, max(p.committed, pos)
	return pos, nil
}

// Apply buffers the row of a published result and ignores every other event type (their
// positions still count as applied). When the buffer holds batchSize rows it is sent (with
// a background context: Apply has none; the connection's read timeout bounds it).
func (p *DisclosureProjector) Apply(e event.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Type == inspection.ResultPublished && e.Position > p.resume {
		row, err := disclosureFrom(e)
		if err != nil {
			return err
		}
		if i, ok := p.index[row.task]; ok {
			// The same task twice in one batch: keep the higher version; for equal versions
			// keep the first (the log order is the truth).
			if row.version > p.rows[i].version {
				p.rows[i] = row
			}
		} else {
			p.index[row.task] = len(p.rows)
			p.rows = append(p.rows, row)
		}
	}
	p.pos = max(p.pos, e.Position)
	if len(p.rows) >= p.batchSize {
		return p.flush(context.Background())
	}
	return nil
}

func disclosureFrom(e event.Envelope) (disclosureRow, error) {
	var pub inspection.ResultPublishedV1
	if err := json.Unmarshal(e.Payload, &pub); err != nil {
		return disclosureRow{}, fmt.Errorf("%s %s@%d: %w", e.Type, e.Stream, e.Version, err)
	}
	inspected, err := time.Parse(time.DateOnly, pub.InspectedOn)
	if err != nil {
		return disclosureRow{}, fmt.Errorf("%s %s@%d: inspected_on: %w", e.Type, e.Stream, e.Version, err)
	}
	published, err := time.Parse(time.DateOnly, pub.PublishedOn)
	if err != nil {
		return disclosureRow{}, fmt.Errorf("%s %s@%d: published_on: %w", e.Type, e.Stream, e.Version, err)
	}
	task := strings.TrimPrefix(e.Stream, "task-")
	plan, _, _ := inspection.ParseTaskID(task)
	return disclosureRow{
		task: task, plan: plan, uscc: pub.USCC, enterprise: pub.Enterprise, regionCode: pub.RegionCode,
		authority: pub.Authority, items: nonNil(pub.Items), results: nonNil(pub.Results),
		inspectedOn: inspected, publishedOn: published, version: e.Version,
	}, nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// Flush sends the buffered rows as one batch and then records the last applied position.
// On an error nothing is dropped: the rows stay buffered and the position unrecorded, and a
// later Flush sends them again (harmless, see the type's comment).
func (p *DisclosureProjector) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flush(ctx)
}

func (p *DisclosureProjector) flush(ctx context.Context) error {
	if len(p.rows) > 0 {
		if err := p.send(ctx); err != nil {
			return fmt.Errorf("%w: %s: %d rows: %w", ErrSend, DisclosureProjectorName, len(p.rows), err)
		}
		p.rows = p.rows[:0]
		clear(p.index)
	}
	if p.pos > p.committed {
		if err := recordOffset(ctx, p.conn, DisclosureProjectorName, p.pos); err != nil {
			return fmt.Errorf("%w: %s: record position %d: %w", ErrSend, DisclosureProjectorName, p.pos, err)
		}
		p.committed = p.pos
	}
	return nil
}

func (p *DisclosureProjector) send(ctx context.Context) error {
	in := Insert{SQL: insertDisclosures, Rows: make([][]any, len(p.rows))}
	for i, r := range p.rows {
		in.Rows[i] = []any{r.task, r.plan, r.uscc, r.enterprise, r.regionCode, r.authority,
			r.items, r.inspectedOn, r.results, r.publishedOn, r.version}
	}
	return sendBatch(ctx, p.conn, in)
}

// Buffered is how many rows wait for the next batch.
func (p *DisclosureProjector) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rows)
}

// Position is the last log position whose batch was sent, as recorded in ClickHouse (0 if
// none): resume reading after it.
func (p *DisclosureProjector) Position(ctx context.Context) (uint64, error) {
	return Offset(ctx, p.conn, DisclosureProjectorName)
}

// Offset is the last position recorded for a projector (0 if none).
func Offset(ctx context.Context, conn driver.Conn, projector string) (uint64, error) {
	var pos uint64
	if err := conn.QueryRow(ctx, "SELECT max(position) FROM projection_offsets WHERE projector = ?", projector).Scan(&pos); err != nil {
		return 0, fmt.Errorf("clickhouse: offset of %s: %w", projector, err)
	}
	return pos, nil
}

func recordOffset(ctx context.Context, conn driver.Conn, projector string, pos uint64) error {
	b, err := conn.PrepareBatch(ctx, insertOffset)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Append(projector, pos, time.Now().UTC().Truncate(time.Second)); err != nil {
		return err
	}
	return b.Send()
}
