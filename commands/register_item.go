package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// RegisterItem adds an item to the 抽查事项清单.
type RegisterItem struct {
	Meta
	ItemFields
}

type RegisterItemHandler struct{ d Deps }

func NewRegisterItemHandler(d Deps) RegisterItemHandler {
	d.validate()
	return RegisterItemHandler{d}
}

func (h RegisterItemHandler) Handle(ctx context.Context, c RegisterItem) (Outcome, error) {
	it, err := directory.NewItem(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	o, err := h.d.appendOne(ctx, c.Meta, directory.ItemStream(it.Code), 0, []directory.Change{directory.RegisterItem(it)})
	if ce, ok := AsError(err); ok && ce.Kind == KindConflict {
		ce.Code = "item_exists"
	}
	return o, err
}
