package memory_test

import (
	"testing"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

// The in-memory plan read model passes the same contract suite as the ClickHouse one.
func TestPlanContract(t *testing.T) {
	projectionstest.RunPlans(t, func(t *testing.T) (func(event.Envelope) error, func() error, projections.PlanQueries) {
		s := memory.NewPlans()
		return s.Apply, func() error { return nil }, s
	})
}
