package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// ImportItems registers new inspection items and updates known ones from a CSV, all or nothing.
type ImportItems struct {
	Meta
	Rows []Row[ItemFields]
}

type ImportItemsHandler struct{ d Deps }

func NewImportItemsHandler(d Deps) ImportItemsHandler {
	d.validate()
	return ImportItemsHandler{d}
}

func (h ImportItemsHandler) Handle(ctx context.Context, c ImportItems) (ImportOutcome, error) {
	return importRows(ctx, h.d, c.Meta, c.Rows, importKind[ItemFields, directory.Item]{
		keyField: "code",
		key:      func(it directory.Item) string { return it.Code },
		build:    func(f ItemFields) (directory.Item, error) { return directory.NewItem(f.entity()) },
		stream:   directory.ItemStream,
		load:     loadItem,
		register: directory.RegisterItem,
		update:   directory.UpdateItem,
	})
}
