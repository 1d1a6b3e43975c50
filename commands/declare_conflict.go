package commands

import (
	"context"
	"strings"

	"github.com/choucha/choucha/domain/directory"
)

// DeclareConflict records that an officer must not inspect an enterprise (回避).
type DeclareConflict struct {
	Meta
	ID     string `json:"-"`
	USCC   string `json:"uscc" validate:"required,uscc"`
	Reason string `json:"reason" validate:"required,max=500"`
}

type DeclareConflictHandler struct{ d Deps }

func NewDeclareConflictHandler(d Deps) DeclareConflictHandler {
	d.validate()
	return DeclareConflictHandler{d}
}

func (h DeclareConflictHandler) Handle(ctx context.Context, c DeclareConflict) (Outcome, error) {
	cur, v, err := loadInspector(ctx, h.d.Store, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("inspector_not_found")
	}
	ch, err := directory.DeclareConflict(cur, strings.ToUpper(strings.TrimSpace(c.USCC)), c.Reason)
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	return h.d.appendOne(ctx, c.Meta, directory.InspectorStream(c.ID), v, []directory.Change{ch})
}
