package memory_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
)

func env(t *testing.T, stream string, version uint64, typ string, payload any) event.Envelope {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return event.Envelope{Stream: stream, Version: version, Type: typ, Payload: b}
}

func TestDirectorySkipsRedeliveryAndFlagsGaps(t *testing.T) {
	d := memory.NewDirectory()
	e := directory.Enterprise{USCC: "U1", Name: "甲", Tier: "A", TierSetOn: "2026-01-01", RegionCode: "110101"}
	s := directory.EnterpriseStream("U1")
	reg := env(t, s, 1, directory.EnterpriseRegistered, directory.EnterpriseRegisteredV1{Enterprise: e})
	tier := env(t, s, 2, directory.EnterpriseTierChanged, directory.EnterpriseTierChangedV1{USCC: "U1", From: "A", To: "C", SetOn: "2026-02-01"})
	for _, ev := range []event.Envelope{reg, tier, reg, tier} { // at-least-once: each twice
		if err := d.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	v, err := d.Enterprise(context.Background(), "U1")
	if err != nil || v.Tier != "C" || v.Version != 2 || v.Name != "甲" {
		t.Fatalf("%+v %v", v, err)
	}
	if g := d.Guard(); g.Skipped != 2 || g.Gaps != 0 {
		t.Fatalf("guard %+v", g)
	}
	// A later version after a gap is applied and flagged.
	upd := e
	upd.Name = "乙"
	if err := d.Apply(env(t, s, 4, directory.EnterpriseUpdated, directory.EnterpriseUpdatedV1{Enterprise: upd})); err != nil {
		t.Fatal(err)
	}
	v, _ = d.Enterprise(context.Background(), "U1")
	if v.Name != "乙" || v.Tier != "C" || d.Guard().Gaps != 1 {
		t.Fatalf("%+v %+v", v, d.Guard())
	}
}

func TestInspectorRowsHandedOutDoNotChange(t *testing.T) {
	d := memory.NewDirectory()
	s := directory.InspectorStream("I1")
	in := directory.Inspector{ID: "I1", Name: "王", Active: true, Conflicts: []string{"B"}}
	_ = d.Apply(env(t, s, 1, directory.InspectorRegistered, directory.InspectorRegisteredV1{Inspector: in}))
	before, _ := d.Inspector(context.Background(), "I1")
	_ = d.Apply(env(t, s, 2, directory.InspectorConflictDeclared, directory.InspectorConflictDeclaredV1{ID: "I1", USCC: "A"}))
	after, _ := d.Inspector(context.Background(), "I1")
	if len(before.Conflicts) != 1 || len(after.Conflicts) != 2 || after.Conflicts[0] != "A" {
		t.Fatalf("before %v after %v", before.Conflicts, after.Conflicts)
	}
	if _, err := d.Inspector(context.Background(), "nope"); err != projections.ErrNotFound {
		t.Fatalf("err = %v", err)
	}
}

func TestPagingCoversEveryRowOnce(t *testing.T) {
	d := memory.NewDirectory()
	for _, code := range []string{"c", "a", "e", "b", "d"} {
		_ = d.Apply(env(t, directory.ItemStream(code), 1, directory.ItemRegistered, directory.ItemRegisteredV1{Item: directory.Item{Code: code, Category: "重点"}}))
	}
	var got string
	after := ""
	for i := 0; i < 10; i++ {
		p, _ := d.Items(context.Background(), projections.ItemFilter{After: after, Limit: 2})
		if p.Total != 5 {
			t.Fatalf("total %d", p.Total)
		}
		for _, it := range p.Items {
			got += it.Code
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if got != "abcde" {
		t.Fatalf("pages gave %q", got)
	}
}
