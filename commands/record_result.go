package commands

import (
	"context"

	"github.com/choucha/choucha/domain/inspection"
)

// RecordResult records an inspection's result (待审核), by an inspector of the task's current
// team; again after a return. Inspector is the signed-in inspector's id, set by the edge.
type RecordResult struct {
	Meta
	Task         string   `json:"-"`
	Inspector    string   `json:"-"`
	CheckMethods []string `json:"check_methods" validate:"required,min=1,max=6,dive,oneof=实地检查 书面检查 网络监测 检验检测 专业机构辅助 采用其他部门结论"`
	Results      []string `json:"results" validate:"required,min=1,max=13,dive,required,max=40"`
	Findings     string   `json:"findings" validate:"max=2000"`
	FollowUp     string   `json:"follow_up" validate:"required,oneof=无需后续处置 责令改正并跟踪 移送办案机构 抄告相关部门 其他"`
	InspectedOn  string   `json:"inspected_on" validate:"required,datetime=2006-01-02"`
	// Evidence: hex SHA-256 of each evidence file.
	Evidence []string `json:"evidence" validate:"max=100,dive,len=64,hexadecimal"`
}

type RecordResultHandler struct{ d Deps }

func NewRecordResultHandler(d Deps) RecordResultHandler {
	d.validate()
	return RecordResultHandler{d}
}

func (h RecordResultHandler) Handle(ctx context.Context, c RecordResult) (Outcome, error) {
	lt, err := loadTask(ctx, h.d.Store, c.Meta, c.Task)
	if err != nil {
		return Outcome{}, err
	}
	r := inspection.Result{CheckMethods: c.CheckMethods, Results: c.Results, Findings: c.Findings, FollowUp: c.FollowUp,
		InspectedOn: c.InspectedOn, Evidence: c.Evidence}
	changes, err := lt.task.Record(lt.facts, c.Inspector, r, h.d.Now())
	return h.d.decide(ctx, c.Meta, lt, changes, err)
}
