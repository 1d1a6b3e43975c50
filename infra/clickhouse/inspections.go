package clickhouse

import (
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
)

// InspectionsProjectorName is the inspections projector's name (its offset row). It is
// memory.Inspections' name.
const InspectionsProjectorName = "inspections"

const (
	insertTasks = "INSERT INTO tasks (id, plan, uscc, enterprise, region_code, province, departments, items, team, status, " +
		"check_methods, results, findings, follow_up, inspected_on, return_reason, publish_due, publish_due_estimated, " +
		"published_on, follow_up_open, recorded_by, evidence, rechecked_on, recheck_outcome, version, position)"
	insertDrawn     = "INSERT INTO stats_drawn (plan, uscc, drawn_on, province, departments, items, position)"
	insertItemNames = "INSERT INTO stats_item_names (code, name, position)"
)

// inspectionTables are emptied by a rebuild (the roll-up too: the view only adds to it).
var inspectionTables = []string{"tasks", "stats_drawn", "stats_drawn_rollup", "stats_item_names"}

// NewInspectionsProjector copies memory.Inspections (the embedded mode's inspection records
// and statistics) to ClickHouse: the tasks table (one row per task, current state), and the
// facts the statistics need: stats_drawn (one row per drawn enterprise, rolled up by the view
// stats_drawn_rollup_mv) and stats_item_names. now is the memory model's clock (it decides
// nothing that is written: overdue is computed when read). Batches of batch touched rows
// (DefaultBatchSize if ≤ 0). NewTasks and NewStats read what it writes.
func NewInspectionsProjector(conn driver.Conn, now func() time.Time, batch int) *StateProjector {
	return NewStateProjector(conn, inspectionsModel{memory.NewInspections(now)}, inspectionTables, batch)
}

// inspectionsModel renders memory.Inspections' rows. Keys: "t\x00<task id>",
// "d\x00<plan>\x00<uscc>", "i\x00<item code>".
type inspectionsModel struct {
	*memory.Inspections
}

var _ Model = inspectionsModel{}

func (m inspectionsModel) Touched(e event.Envelope) []string {
	t := m.Touches(e)
	keys := make([]string, 0, len(t.Tasks)+len(t.Drawn)+len(t.Items))
	for _, id := range t.Tasks {
		keys = append(keys, "t\x00"+id)
	}
	for _, d := range t.Drawn {
		keys = append(keys, "d\x00"+d.Plan+"\x00"+d.USCC)
	}
	for _, c := range t.Items {
		keys = append(keys, "i\x00"+c)
	}
	return keys
}

func (m inspectionsModel) Rows(keys []string, position uint64) ([]Insert, error) {
	tasks := Insert{SQL: insertTasks}
	drawn := Insert{SQL: insertDrawn}
	names := Insert{SQL: insertItemNames}
	for _, k := range keys {
		kind, rest, _ := strings.Cut(k, "\x00")
		switch kind {
		case "t":
			v, province, ok := m.TaskRow(rest)
			if !ok {
				continue
			}
			tasks.Rows = append(tasks.Rows, []any{v.ID, v.Plan, v.USCC, v.Enterprise, v.RegionCode, province,
				nonNil(v.Departments), nonNil(v.Items), nonNil(v.Team), v.Status, nonNil(v.CheckMethods), nonNil(v.Results),
				v.Findings, v.FollowUp, v.InspectedOn, v.ReturnReason, v.PublishDue, flag(v.PublishDueEstimated),
				v.PublishedOn, flag(v.FollowUpOpen), v.RecordedBy, nonNil(v.Evidence), v.RecheckedOn, v.RecheckOutcome,
				v.Version, position})
		case "d":
			plan, uscc, _ := strings.Cut(rest, "\x00")
			f, ok := m.Drawn(memory.DrawnKey{Plan: plan, USCC: uscc})
			if !ok {
				continue
			}
			day, err := time.Parse(time.DateOnly, f.DrawnOn)
			if err != nil {
				continue // a plan without a valid draw date: memory never counts its draws either
			}
			drawn.Rows = append(drawn.Rows, []any{f.Plan, f.USCC, day, f.Province, nonNil(f.Departments), nonNil(f.Items), position})
		case "i":
			if name, ok := m.ItemName(rest); ok {
				names.Rows = append(names.Rows, []any{rest, name, position})
			}
		}
	}
	return []Insert{tasks, drawn, names}, nil
}

func flag(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
