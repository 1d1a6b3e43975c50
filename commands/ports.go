package commands

import (
	"context"
	"iter"

	"github.com/choucha/choucha/domain/directory"
)

// DirectorySnapshot is the directory a plan is announced and assigned against: a consistent
// read model at the log position it reports. Plans read it because a pool spans millions of
// enterprise streams; the announcement records the pools themselves, so nothing depends on the
// read model afterwards.
type DirectorySnapshot interface {
	// AllEnterprises yields every enterprise; the read model holds still while it runs.
	AllEnterprises(ctx context.Context) iter.Seq[directory.Enterprise]
	// Roster is every inspector.
	Roster(ctx context.Context) ([]directory.Inspector, error)
}

// InspectionHistory answers the frequency cap (rule 8) and rotation (rule 6) questions from
// earlier plans.
type InspectionHistory interface {
	// ProactiveCount is how many proactive inspections of the year drew the enterprise.
	ProactiveCount(uscc string, year int) int
	// LastInspectors is the team of the enterprise's previous inspection (nil: none).
	LastInspectors(uscc string) []string
}
