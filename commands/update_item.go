package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// UpdateItem replaces an item's fields.
type UpdateItem struct {
	Meta
	ItemFields
}

type UpdateItemHandler struct{ d Deps }

func NewUpdateItemHandler(d Deps) UpdateItemHandler {
	d.validate()
	return UpdateItemHandler{d}
}

func (h UpdateItemHandler) Handle(ctx context.Context, c UpdateItem) (Outcome, error) {
	next, err := directory.NewItem(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	cur, v, err := loadItem(ctx, h.d.Store, next.Code)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("item_not_found")
	}
	return h.d.appendOne(ctx, c.Meta, directory.ItemStream(next.Code), v, directory.UpdateItem(cur, next))
}
