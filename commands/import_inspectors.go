package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// ImportInspectors registers new inspectors and updates known ones from a CSV, all or nothing.
// Conflicts and the active flag in the file apply to new inspectors; for known ones they are
// changed only through their own commands, so their history stays explicit.
type ImportInspectors struct {
	Meta
	Rows []Row[InspectorFields]
}

type ImportInspectorsHandler struct{ d Deps }

func NewImportInspectorsHandler(d Deps) ImportInspectorsHandler {
	d.validate()
	return ImportInspectorsHandler{d}
}

func (h ImportInspectorsHandler) Handle(ctx context.Context, c ImportInspectors) (ImportOutcome, error) {
	return importRows(ctx, h.d, c.Meta, c.Rows, importKind[InspectorFields, directory.Inspector]{
		keyField: "id",
		key:      func(in directory.Inspector) string { return in.ID },
		build:    func(f InspectorFields) (directory.Inspector, error) { return directory.NewInspector(f.entity()) },
		stream:   directory.InspectorStream,
		load:     loadInspector,
		register: directory.RegisterInspector,
		update:   directory.UpdateInspector,
	})
}
