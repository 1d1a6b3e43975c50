// Package commands holds one file per use case: XxxCommand, XxxHandler, NewXxxHandler.
// Handlers decide with the domain and append to the event store; they never read projections.
package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
)

// Meta is what every command carries besides its fields.
type Meta struct {
	CommandID string      `json:"-"` // idempotency key; a repeated id appends nothing
	Actor     event.Actor `json:"-"`
	// Department, when set, is the signed-in regulator's: plan commands refuse the plans of
	// other departments. Empty for the admin.
	Department string `json:"-"`
}

// Outcome is what a command appended.
type Outcome struct {
	Events   int    `json:"events"`
	Replayed bool   `json:"replayed"`
	Head     uint64 `json:"position"`
}

// Deps are what every handler needs.
type Deps struct {
	Store event.Store
	Now   func() time.Time
}

func (d Deps) validate() {
	if d.Store == nil {
		panic("commands: nil event store")
	}
	if d.Now == nil {
		panic("commands: nil clock")
	}
}

// Application lists every use case.
type Application struct {
	RegisterItem         RegisterItemHandler
	UpdateItem           UpdateItemHandler
	ImportItems          ImportItemsHandler
	RegisterEnterprise   RegisterEnterpriseHandler
	UpdateEnterprise     UpdateEnterpriseHandler
	ChangeEnterpriseTier ChangeEnterpriseTierHandler
	ImportEnterprises    ImportEnterprisesHandler
	RegisterInspector    RegisterInspectorHandler
	UpdateInspector      UpdateInspectorHandler
	DeactivateInspector  DeactivateInspectorHandler
	DeclareConflict      DeclareConflictHandler
	ImportInspectors     ImportInspectorsHandler
	CreatePlan           CreatePlanHandler
	AnnouncePlan         AnnouncePlanHandler
	RevealSeed           RevealSeedHandler
	DrawEnterprises      DrawEnterprisesHandler
	AssignInspectors     AssignInspectorsHandler
	SubstituteInspector  SubstituteInspectorHandler
	RequestRecusal       RequestRecusalHandler
	DecideRecusal        DecideRecusalHandler
	RecordResult         RecordResultHandler
	ReturnResult         ReturnResultHandler
	ApproveResult        ApproveResultHandler
	PublishResult        PublishResultHandler
	RecordRecheck        RecordRecheckHandler
}

// NewApplication wires every handler to the same store and clock; plans also read the
// directory snapshot and the inspection history.
func NewApplication(d Deps, dir DirectorySnapshot, history InspectionHistory) Application {
	d.validate()
	return Application{
		RegisterItem:         NewRegisterItemHandler(d),
		UpdateItem:           NewUpdateItemHandler(d),
		ImportItems:          NewImportItemsHandler(d),
		RegisterEnterprise:   NewRegisterEnterpriseHandler(d),
		UpdateEnterprise:     NewUpdateEnterpriseHandler(d),
		ChangeEnterpriseTier: NewChangeEnterpriseTierHandler(d),
		ImportEnterprises:    NewImportEnterprisesHandler(d),
		RegisterInspector:    NewRegisterInspectorHandler(d),
		UpdateInspector:      NewUpdateInspectorHandler(d),
		DeactivateInspector:  NewDeactivateInspectorHandler(d),
		DeclareConflict:      NewDeclareConflictHandler(d),
		ImportInspectors:     NewImportInspectorsHandler(d),
		CreatePlan:           NewCreatePlanHandler(d),
		AnnouncePlan:         NewAnnouncePlanHandler(d, dir, history),
		RevealSeed:           NewRevealSeedHandler(d),
		DrawEnterprises:      NewDrawEnterprisesHandler(d),
		AssignInspectors:     NewAssignInspectorsHandler(d, dir, history),
		SubstituteInspector:  NewSubstituteInspectorHandler(d),
		RequestRecusal:       NewRequestRecusalHandler(d),
		DecideRecusal:        NewDecideRecusalHandler(d),
		RecordResult:         NewRecordResultHandler(d),
		ReturnResult:         NewReturnResultHandler(d),
		ApproveResult:        NewApproveResultHandler(d),
		PublishResult:        NewPublishResultHandler(d),
		RecordRecheck:        NewRecordRecheckHandler(d),
	}
}

// envelopes turns domain changes into events for one stream.
func (d Deps) envelopes(stream string, m Meta, changes []directory.Change) ([]event.Envelope, error) {
	now := d.Now().UTC()
	out := make([]event.Envelope, 0, len(changes))
	for _, c := range changes {
		payload, err := json.Marshal(c.Payload)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", c.Type, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("event id: %w", err)
		}
		out = append(out, event.Envelope{
			ID: id.String(), Stream: stream, Type: c.Type, OccurredAt: now,
			Actor: m.Actor, CommandID: m.CommandID, Payload: payload,
		})
	}
	return out, nil
}

// appendBatch appends and maps a concurrency conflict to the user-facing conflict.
func (d Deps) appendBatch(ctx context.Context, m Meta, streams []event.StreamAppend) (Outcome, error) {
	if m.CommandID == "" {
		return Outcome{}, errors.New("commands: empty command id")
	}
	res, err := d.Store.Append(ctx, event.Batch{CommandID: m.CommandID, Streams: streams})
	if errors.Is(err, event.ErrConcurrency) {
		return Outcome{}, conflict("concurrent_change", err)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("append: %w", err)
	}
	o := Outcome{Events: len(res.Events), Replayed: res.Replayed}
	if n := len(res.Events); n > 0 {
		o.Head = res.Events[n-1].Position
	}
	return o, nil
}

// appendOne appends changes to one stream expected at version.
func (d Deps) appendOne(ctx context.Context, m Meta, stream string, version uint64, changes []directory.Change) (Outcome, error) {
	if len(changes) == 0 {
		return Outcome{}, nil
	}
	evs, err := d.envelopes(stream, m, changes)
	if err != nil {
		return Outcome{}, err
	}
	return d.appendBatch(ctx, m, []event.StreamAppend{{Stream: stream, ExpectedVersion: version, Events: evs}})
}

// loadEnterprise rehydrates an enterprise; version 0 means it does not exist.
func loadEnterprise(ctx context.Context, s event.Store, uscc string) (directory.Enterprise, uint64, error) {
	var e directory.Enterprise
	v, err := load(ctx, s, directory.EnterpriseStream(uscc), func(env event.Envelope) error {
		return directory.ApplyEnterprise(&e, env.Type, env.Payload)
	})
	return e, v, err
}

func loadItem(ctx context.Context, s event.Store, code string) (directory.Item, uint64, error) {
	var it directory.Item
	v, err := load(ctx, s, directory.ItemStream(code), func(env event.Envelope) error {
		return directory.ApplyItem(&it, env.Type, env.Payload)
	})
	return it, v, err
}

func loadInspector(ctx context.Context, s event.Store, id string) (directory.Inspector, uint64, error) {
	var in directory.Inspector
	v, err := load(ctx, s, directory.InspectorStream(id), func(env event.Envelope) error {
		return directory.ApplyInspector(&in, env.Type, env.Payload)
	})
	return in, v, err
}

// load applies a stream's events in order, dropping any later duplicate of a version
// (ARCHITECTURE "Events" rule 1: the first in the log wins).
func load(ctx context.Context, s event.Store, stream string, apply func(event.Envelope) error) (uint64, error) {
	evs, err := s.Load(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", stream, err)
	}
	var v uint64
	for _, e := range evs {
		if e.Version <= v {
			continue
		}
		if err := apply(e); err != nil {
			return 0, fmt.Errorf("rehydrate %s@%d: %w", stream, e.Version, err)
		}
		v = e.Version
	}
	return v, nil
}

// SetMeta lets the edge fill Meta on any command that embeds it.
func (m *Meta) SetMeta(x Meta) { *m = x }
