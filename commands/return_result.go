package commands

import "context"

// ReturnResult sends a recorded result back to the team (审核退回) with a reason. Department
// is the reviewing regulator's, set by the edge; it must be one of the task's.
type ReturnResult struct {
	Meta
	Task       string `json:"-"`
	Department string `json:"-"`
	Reason     string `json:"reason" validate:"required,max=500"`
}

type ReturnResultHandler struct{ d Deps }

func NewReturnResultHandler(d Deps) ReturnResultHandler {
	d.validate()
	return ReturnResultHandler{d}
}

func (h ReturnResultHandler) Handle(ctx context.Context, c ReturnResult) (Outcome, error) {
	lt, err := loadTask(ctx, h.d.Store, c.Meta, c.Task)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := lt.task.Return(lt.facts, c.Department, c.Actor.ID, c.Reason)
	return h.d.decide(ctx, c.Meta, lt, changes, err)
}
