package directory_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/directory"
)

func validEnterprise(t *testing.T) directory.Enterprise {
	t.Helper()
	org := "10000001"
	c, err := directory.OrgCodeCheckDigit(org)
	if err != nil {
		t.Fatal(err)
	}
	first := "91110101" + org + string(c)
	d, err := directory.USCCCheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	e, err := directory.NewEnterprise(directory.Enterprise{
		USCC: first + string(d), Name: "北京甲公司", LegalRep: "张三", Address: "北京市东城区1号", RegionCode: "110101",
		Industry: "零售业", EntityType: "企业", RegAuthority: "东城区市场监管局", FoundedOn: "2010-01-02",
		Status: "存续", Tier: "A", TierSetOn: "2026-10-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// replay folds changes the way a projection or a command's rehydration does.
func replay(t *testing.T, e directory.Enterprise, changes []directory.Change) directory.Enterprise {
	t.Helper()
	for _, c := range changes {
		b, err := json.Marshal(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := directory.ApplyEnterprise(&e, c.Type, b); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestNewEnterpriseReportsEveryBrokenInvariant(t *testing.T) {
	_, err := directory.NewEnterprise(directory.Enterprise{USCC: "x", EntityType: "公司", Tier: "E", FoundedOn: "2020-13-01"})
	if !errors.Is(err, directory.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	var fields []string
	for _, fe := range directory.FieldErrors(err) {
		fields = append(fields, fe.Field)
	}
	want := []string{"uscc", "name", "legal_rep", "address", "region_code", "industry", "entity_type", "reg_authority", "founded_on", "status", "credit_tier", "tier_set_on"}
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}

func TestNewEnterpriseNormalizesUSCC(t *testing.T) {
	e := validEnterprise(t)
	lower := e
	lower.USCC = " " + strings.ToLower(e.USCC) + " "
	got, err := directory.NewEnterprise(lower)
	if err != nil || got.USCC != e.USCC {
		t.Fatalf("%q %v", got.USCC, err)
	}
}

func TestUpdateEnterpriseSplitsTierChange(t *testing.T) {
	cur := validEnterprise(t)
	if got := directory.UpdateEnterprise(cur, cur); len(got) != 0 {
		t.Fatalf("no change gave %v", got)
	}
	next := cur
	next.Name, next.Tier, next.TierSetOn = "北京乙公司", "C", "2026-11-01"
	ch := directory.UpdateEnterprise(cur, next)
	if len(ch) != 2 || ch[0].Type != directory.EnterpriseUpdated || ch[1].Type != directory.EnterpriseTierChanged {
		t.Fatalf("changes %+v", ch)
	}
	if up := ch[0].Payload.(directory.EnterpriseUpdatedV1); up.Enterprise.Tier != "A" {
		t.Fatalf("the update event carries the old tier, got %s", up.Enterprise.Tier)
	}
	if got := replay(t, cur, ch); got != next {
		t.Fatalf("replayed %+v, want %+v", got, next)
	}
	onlyTier := cur
	onlyTier.Tier = "D"
	if ch := directory.UpdateEnterprise(cur, onlyTier); len(ch) != 1 || ch[0].Type != directory.EnterpriseTierChanged {
		t.Fatalf("tier only: %+v", ch)
	}
}

func TestChangeTierValidates(t *testing.T) {
	cur := validEnterprise(t)
	if _, err := directory.ChangeTier(cur, "X", "2026-01-32"); len(directory.FieldErrors(err)) != 2 {
		t.Fatalf("err = %v", err)
	}
	c, err := directory.ChangeTier(cur, "B", "2026-11-01")
	if err != nil {
		t.Fatal(err)
	}
	if got := replay(t, cur, []directory.Change{c}); got.Tier != "B" || got.TierSetOn != "2026-11-01" {
		t.Fatalf("%+v", got)
	}
}

func TestInspectorInvariantsAndEvents(t *testing.T) {
	e := validEnterprise(t)
	in, err := directory.NewInspector(directory.Inspector{
		ID: "INS1", Name: "李四", CertNo: "C1", Department: "市场监管局", RegionCode: "110101",
		Qualifications: []string{" 食品安全", "公示信息", "食品安全", ""}, Active: true, Conflicts: []string{" " + e.USCC},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.Qualifications, []string{"公示信息", "食品安全"}) || !in.ConflictsWith(e.USCC) || !in.Qualified("") || in.Qualified("特种设备") {
		t.Fatalf("%+v", in)
	}
	if _, err := directory.NewInspector(directory.Inspector{ID: "bad id", Conflicts: []string{"123"}}); len(directory.FieldErrors(err)) != 6 {
		t.Fatalf("err = %v", err)
	}
	if _, err := directory.DeclareConflict(in, e.USCC, "again"); err == nil {
		t.Fatal("a repeated conflict was accepted")
	}
	d, err := directory.DeactivateInspector(in, "调岗")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d.Payload)
	off := in
	if err := directory.ApplyInspector(&off, d.Type, b); err != nil || off.Active {
		t.Fatalf("%+v %v", off, err)
	}
	if _, err := directory.DeactivateInspector(off, "again"); err == nil {
		t.Fatal("deactivated twice")
	}
	// An update never touches the active flag or the conflicts.
	next := off
	next.Name, next.Active, next.Conflicts = "李四四", true, nil
	ch := directory.UpdateInspector(off, next)
	if len(ch) != 1 {
		t.Fatalf("%+v", ch)
	}
	b, _ = json.Marshal(ch[0].Payload)
	got := off
	if err := directory.ApplyInspector(&got, ch[0].Type, b); err != nil || got.Active || !got.ConflictsWith(e.USCC) || got.Name != "李四四" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestItemInvariants(t *testing.T) {
	it := directory.Item{Code: "SJ-1", Name: "抽查", LegalBasis: "条例", Department: "市场监管局", Category: directory.CategoryGeneral, ObjectType: "企业", Content: "公示信息", Method: "书面检查"}
	if _, err := directory.NewItem(it); err != nil {
		t.Fatal(err)
	}
	it.Category = "普通"
	if _, err := directory.NewItem(it); len(directory.FieldErrors(err)) != 1 {
		t.Fatalf("err = %v", err)
	}
	if ch := directory.UpdateItem(it, it); ch != nil {
		t.Fatalf("%+v", ch)
	}
}

func TestApplyRejectsUnknownTypes(t *testing.T) {
	var e directory.Enterprise
	var in directory.Inspector
	var it directory.Item
	if directory.ApplyEnterprise(&e, "x.v1", nil) == nil || directory.ApplyInspector(&in, "x.v1", nil) == nil || directory.ApplyItem(&it, "x.v1", nil) == nil {
		t.Fatal("unknown event types must not be ignored silently")
	}
}
