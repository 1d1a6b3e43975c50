package commands

import (
	"context"

	"github.com/choucha/choucha/domain/inspection"
)

// PublishResult discloses an approved result (rule 10) with today's date. The enterprise's
// name and region are read from the directory now and frozen in the disclosure. Department
// is the regulator's, set by the edge; it must be one of the task's.
type PublishResult struct {
	Meta
	Task       string `json:"-"`
	Department string `json:"-"`
}

type PublishResultHandler struct{ d Deps }

func NewPublishResultHandler(d Deps) PublishResultHandler {
	d.validate()
	return PublishResultHandler{d}
}

func (h PublishResultHandler) Handle(ctx context.Context, c PublishResult) (Outcome, error) {
	lt, err := loadTask(ctx, h.d.Store, c.Meta, c.Task)
	if err != nil {
		return Outcome{}, err
	}
	e, v, err := loadEnterprise(ctx, h.d.Store, lt.facts.USCC)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 && lt.replay == nil {
		return Outcome{}, notFound("enterprise_not_found")
	}
	changes, err := lt.task.Publish(lt.facts, c.Department, c.Actor.ID, inspection.Enterprise{Name: e.Name, RegionCode: e.RegionCode}, h.d.Now())
	return h.d.decide(ctx, c.Meta, lt, changes, err)
}
