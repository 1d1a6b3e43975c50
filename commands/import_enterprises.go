package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// ImportEnterprises registers new enterprises and updates known ones from a CSV, all or nothing.
type ImportEnterprises struct {
	Meta
	Rows []Row[EnterpriseFields]
}

type ImportEnterprisesHandler struct{ d Deps }

func NewImportEnterprisesHandler(d Deps) ImportEnterprisesHandler {
	d.validate()
	return ImportEnterprisesHandler{d}
}

func (h ImportEnterprisesHandler) Handle(ctx context.Context, c ImportEnterprises) (ImportOutcome, error) {
	return importRows(ctx, h.d, c.Meta, c.Rows, importKind[EnterpriseFields, directory.Enterprise]{
		keyField: "uscc",
		key:      func(e directory.Enterprise) string { return e.USCC },
		build:    func(f EnterpriseFields) (directory.Enterprise, error) { return directory.NewEnterprise(f.entity()) },
		stream:   directory.EnterpriseStream,
		load:     loadEnterprise,
		register: directory.RegisterEnterprise,
		update:   directory.UpdateEnterprise,
	})
}
