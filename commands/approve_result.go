package commands

import "context"

// ApproveResult passes the review of a recorded result (通过). Department is the reviewing
// regulator's, set by the edge; it must be one of the task's. Publication is PublishResult.
type ApproveResult struct {
	Meta
	Task       string `json:"-"`
	Department string `json:"-"`
}

type ApproveResultHandler struct{ d Deps }

func NewApproveResultHandler(d Deps) ApproveResultHandler {
	d.validate()
	return ApproveResultHandler{d}
}

func (h ApproveResultHandler) Handle(ctx context.Context, c ApproveResult) (Outcome, error) {
	lt, err := loadTask(ctx, h.d.Store, c.Meta, c.Task)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := lt.task.Approve(lt.facts, c.Department, c.Actor.ID)
	return h.d.decide(ctx, c.Meta, lt, changes, err)
}
