package memory_test

import (
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

// The in-memory disclosure list passes the same contract suite as the ClickHouse one.
func TestDisclosureContract(t *testing.T) {
	projectionstest.RunDisclosures(t, func(t *testing.T) (func(event.Envelope) error, func() error, projections.DisclosureQueries) {
		s := memory.NewInspections(func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) })
		return s.Apply, func() error { return nil }, s
	})
}
