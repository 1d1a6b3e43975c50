package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/plan"
)

func TestNoDrawBeforeTheDrawDate(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := w.meta("reg1", "regulator")
	w.must(w.app.CreatePlan.Handle(ctx, commands.CreatePlan{Meta: m, ID: "2026-YX-02", Year: 2026, Batch: 2,
		Title: "第二批", LeadDepartment: "市场监管局", Items: []string{"SC-01"},
		Scope:  plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios: plan.Ratios{A: plan.MustRatio("0.25"), B: plan.MustRatio("0.5"), C: plan.MustRatio("1"), D: plan.MustRatio("1")}, DrawDate: "2026-12-23",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-21", Description: "中国福利彩票双色球第2026147期开奖号码"}}))
	w.must(w.app.AnnouncePlan.Handle(ctx, commands.AnnouncePlan{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-02"}))
	w.now = time.Date(2026, 12, 21, 22, 0, 0, 0, cst)
	w.must(w.app.RevealSeed.Handle(ctx, commands.RevealSeed{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-02", Sources: [][]uint64{{1, 2, 3}}}))
	ce := w.refused("a draw before the draw date", commands.KindInvalid, "invalid_input", func() (commands.Outcome, error) {
		return w.app.DrawEnterprises.Handle(ctx, commands.DrawEnterprises{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-02"})
	})
	if len(ce.Issues) != 1 || ce.Issues[0].Code != "before_draw_date" {
		t.Fatalf("issues %+v", ce.Issues)
	}
	w.now = time.Date(2026, 12, 23, 0, 5, 0, 0, cst)
	w.must(w.app.DrawEnterprises.Handle(ctx, commands.DrawEnterprises{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-02"}))
}
