package commands

import (
	"context"

	"github.com/choucha/choucha/domain/inspection"
)

// RecordRecheck records the re-check (复查) of an ordered correction, by an inspector of the
// task's current team, after approval. Inspector is set by the edge.
type RecordRecheck struct {
	Meta
	Task      string   `json:"-"`
	Inspector string   `json:"-"`
	CheckedOn string   `json:"checked_on" validate:"required,datetime=2006-01-02"`
	Outcome   string   `json:"outcome" validate:"required,oneof=已整改 未整改"`
	Findings  string   `json:"findings" validate:"max=2000"`
	FollowUp  string   `json:"follow_up" validate:"required,oneof=无需后续处置 责令改正并跟踪 移送办案机构 抄告相关部门 其他"`
	Evidence  []string `json:"evidence" validate:"max=100,dive,len=64,hexadecimal"`
}

type RecordRecheckHandler struct{ d Deps }

func NewRecordRecheckHandler(d Deps) RecordRecheckHandler {
	d.validate()
	return RecordRecheckHandler{d}
}

func (h RecordRecheckHandler) Handle(ctx context.Context, c RecordRecheck) (Outcome, error) {
	lt, err := loadTask(ctx, h.d.Store, c.Meta, c.Task)
	if err != nil {
		return Outcome{}, err
	}
	rc := inspection.Recheck{CheckedOn: c.CheckedOn, Outcome: c.Outcome, Findings: c.Findings, FollowUp: c.FollowUp, Evidence: c.Evidence}
	changes, err := lt.task.RecordRecheck(lt.facts, c.Inspector, rc, h.d.Now())
	return h.d.decide(ctx, c.Meta, lt, changes, err)
}
