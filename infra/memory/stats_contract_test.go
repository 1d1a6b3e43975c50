package memory_test

import (
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

// The in-memory statistics pass the same contract suite as the ClickHouse ones.
func TestStatsContract(t *testing.T) {
	projectionstest.RunStats(t, memory.ErrStatsFilter, func(t *testing.T, now func() time.Time) (func(event.Envelope) error, func() error, projections.StatsQueries) {
		s := memory.NewInspections(now)
		return s.Apply, func() error { return nil }, s
	})
}
