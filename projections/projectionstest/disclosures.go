// Package projectionstest holds the contract suites of the read models: every store that
// implements a query interface of package projections (infra/memory, infra/clickhouse) runs
// the same suite, fed with the same events, and must give the same answers.
package projectionstest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/projections"
)

// DisclosureStore is what RunDisclosures needs of a fresh, empty store: apply feeds one event
// (in log order, at least once), flush makes everything applied so far visible to q (a
// batched store sends its batch; an in-memory one does nothing).
type DisclosureStore func(t *testing.T) (apply func(event.Envelope) error, flush func() error, q projections.DisclosureQueries)

// RunDisclosures checks projections.DisclosureQueries against a known event log: published
// results only, the public snapshot frozen at publication, every filter, cursor paging,
// enterprise history, idempotency under redelivery, and no confidential value (inspector,
// reviewer or publisher id, credit tier) in any answer.
func RunDisclosures(t *testing.T, newStore DisclosureStore) {
	t.Helper()
	ctx := context.Background()
	d := newDisclosureData(t)
	apply, flush, q := newStore(t)

	// The log in two deliveries with a flush between them; the second one starts with
	// redeliveries of already flushed events and repeats a published event at once.
	half := len(d.log) / 2
	feedAll(t, d.log[:half], apply)
	mustFlush(t, flush)
	feedAll(t, d.redelivered(d.log[:half]), apply)
	for _, e := range d.log[half:] {
		feedAll(t, []event.Envelope{e}, apply)
		if e.Type == inspection.ResultPublished {
			feedAll(t, []event.Envelope{e}, apply) // redelivered at once, in the same batch
		}
	}
	mustFlush(t, flush)

	t.Run("answers", func(t *testing.T) { checkDisclosureAnswers(ctx, t, d, q) })

	// A whole redelivery (a consumer-group rebalance, a projector restarted from 0) changes
	// nothing.
	feedAll(t, d.log, apply)
	mustFlush(t, flush)
	t.Run("answers after the whole log is redelivered", func(t *testing.T) { checkDisclosureAnswers(ctx, t, d, q) })
}

func checkDisclosureAnswers(ctx context.Context, t *testing.T, d *disclosureData, q projections.DisclosureQueries) {
	all := d.published()

	t.Run("every published result, frozen snapshot, all fields", func(t *testing.T) {
		p := mustPage(ctx, t, q, projections.DisclosureFilter{})
		if p.Total != len(all) || p.Next != "" {
			t.Errorf("total %d next %q, want %d and no next", p.Total, p.Next, len(all))
		}
		if len(p.Items) != len(all) {
			t.Fatalf("got %d records, want %d: %v", len(p.Items), len(all), tasksOf(p.Items))
		}
		for i, got := range p.Items {
			if want := d.want[all[i]]; !equalRecord(got, want) {
				t.Errorf("record %d:\n got  %+v\n want %+v", i, got, want)
			}
		}
	})

	for _, c := range []struct {
		name string
		f    projections.DisclosureFilter
		want []string // fixture labels
	}{
		{"query: enterprise name substring", projections.DisclosureFilter{Query: "白云"}, []string{"baiyun-1", "baiyun-2"}},
		{"query: trimmed", projections.DisclosureFilter{Query: "  星河  "}, []string{"xinghe-1", "xinghe-2", "xinghe-3"}},
		{"query: the name as published, not the later rename", projections.DisclosureFilter{Query: "星河控股"}, nil},
		{"query: USCC prefix, lower case", projections.DisclosureFilter{Query: strings.ToLower(d.uscc["xinghe"][:12])}, []string{"xinghe-1", "xinghe-2", "xinghe-3"}},
		{"query: whole USCC", projections.DisclosureFilter{Query: d.uscc["changan"]}, []string{"changan-1"}},
		{"query: USCC infix is no match", projections.DisclosureFilter{Query: d.uscc["changan"][4:]}, nil},
		{"query: nothing", projections.DisclosureFilter{Query: "不存在的企业"}, nil},
		{"query: quotes are values", projections.DisclosureFilter{Query: `x' OR 1=1 OR '`}, nil},
		{"query: backslashes are values", projections.DisclosureFilter{Query: `\\' OR ''='`}, nil},
		{"authority: placeholders are values", projections.DisclosureFilter{Authority: "? OR 1=1"}, nil},
		{"authority: substring", projections.DisclosureFilter{Authority: "药品监督管理局"}, []string{"baiyun-1"}},
		{"authority: joint inspections count", projections.DisclosureFilter{Authority: "市场监督管理局"}, []string{"baiyun-1", "baiyun-2", "shunde-1", "xinghe-1", "xinghe-3"}},
		{"item: substring of an item name", projections.DisclosureFilter{Item: "食品"}, []string{"baiyun-2", "xinghe-1", "xinghe-3"}},
		{"item: whole name", projections.DisclosureFilter{Item: "排污许可证执行情况检查"}, []string{"xinghe-2"}},
		{"result: one of the results", projections.DisclosureFilter{Result: inspection.CorrectionOrdered}, []string{"baiyun-1"}},
		{"result: shared", projections.DisclosureFilter{Result: inspection.NoProblem}, []string{"changan-1", "shunde-1", "xinghe-1", "xinghe-3"}},
		{"result: exact, not a substring", projections.DisclosureFilter{Result: "未发现"}, nil},
		{"dates: one day", projections.DisclosureFilter{From: "2026-11-05", To: "2026-11-05"}, []string{"baiyun-2", "xinghe-2", "xinghe-3"}},
		{"dates: months, inclusive", projections.DisclosureFilter{From: "2026-03", To: "2026-04"}, []string{"baiyun-1", "shunde-1", "xinghe-1"}},
		{"dates: from a year", projections.DisclosureFilter{From: "2026"}, []string{"baiyun-1", "baiyun-2", "shunde-1", "xinghe-1", "xinghe-2", "xinghe-3"}},
		{"dates: to a year", projections.DisclosureFilter{To: "2025"}, []string{"changan-1"}},
		{"dates: to a day", projections.DisclosureFilter{To: "2026-03-10"}, []string{"changan-1", "xinghe-1"}},
		{"dates: empty range", projections.DisclosureFilter{From: "2026-06", To: "2026-10"}, nil},
		{"combined", projections.DisclosureFilter{Authority: "市场监督管理局", Result: inspection.NoProblem, From: "2026-04"}, []string{"shunde-1", "xinghe-3"}},
		{"combined: query and item", projections.DisclosureFilter{Query: "星河", Item: "排污"}, []string{"xinghe-2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustPage(ctx, t, q, c.f)
			want := d.tasks(c.want...)
			if got := tasksOf(p.Items); !slices.Equal(got, want) {
				t.Errorf("tasks %v, want %v", got, want)
			}
			if p.Total != len(want) || p.Next != "" {
				t.Errorf("total %d next %q, want %d and no next", p.Total, p.Next, len(want))
			}
			if p.Items == nil {
				t.Error("items are nil, want an empty list (JSON [])")
			}
		})
	}

	t.Run("paging covers every row once, in task order", func(t *testing.T) {
		checkPaging(t, all, func(r projections.DisclosureRecord) string { return r.Task }, func(after string, limit int) projections.Page[projections.DisclosureRecord] {
			return mustPage(ctx, t, q, projections.DisclosureFilter{After: after, Limit: limit})
		})
	})

	t.Run("paging with a filter", func(t *testing.T) {
		f := projections.DisclosureFilter{Authority: "市场监督管理局", Limit: 2}
		want := d.tasks("baiyun-1", "baiyun-2", "shunde-1", "xinghe-1", "xinghe-3")
		var got []string
		for range len(want) + 1 {
			p := mustPage(ctx, t, q, f)
			if p.Total != len(want) {
				t.Fatalf("total %d, want %d", p.Total, len(want))
			}
			got = append(got, tasksOf(p.Items)...)
			if f.After = p.Next; f.After == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})

	t.Run("cursor after the last row", func(t *testing.T) {
		p := mustPage(ctx, t, q, projections.DisclosureFilter{After: all[len(all)-1]})
		if len(p.Items) != 0 || p.Next != "" || p.Total != len(all) {
			t.Errorf("items %v next %q total %d, want none, no next, total %d", tasksOf(p.Items), p.Next, p.Total, len(all))
		}
	})

	t.Run("cursor between rows", func(t *testing.T) {
		p := mustPage(ctx, t, q, projections.DisclosureFilter{After: all[1] + "~", Limit: 1})
		if got := tasksOf(p.Items); !slices.Equal(got, all[2:3]) || p.Next != all[2] {
			t.Errorf("items %v next %q, want %v next %q", got, p.Next, all[2:3], all[2])
		}
	})

	t.Run("history by USCC, by inspection date then task", func(t *testing.T) {
		for _, c := range []struct {
			uscc string
			want []string
		}{
			{d.uscc["xinghe"], d.historyOrder("xinghe-1", "xinghe-2", "xinghe-3")},
			{d.uscc["baiyun"], d.historyOrder("baiyun-1", "baiyun-2")},
			{d.uscc["hengqin"], nil}, // drawn and approved, never published
			{"91440000000000000X", nil},
		} {
			h, err := q.EnterpriseHistory(ctx, c.uscc)
			if err != nil {
				t.Fatalf("history %s: %v", c.uscc, err)
			}
			if got := tasksOf(h); !slices.Equal(got, c.want) {
				t.Errorf("history %s: %v, want %v", c.uscc, got, c.want)
			}
			if h == nil {
				t.Errorf("history %s is nil, want an empty list (JSON [])", c.uscc)
			}
			for _, r := range h {
				if !equalRecord(r, d.want[r.Task]) {
					t.Errorf("history record:\n got  %+v\n want %+v", r, d.want[r.Task])
				}
			}
		}
	})

	t.Run("no confidential value anywhere", func(t *testing.T) {
		var answers []any
		for _, f := range []projections.DisclosureFilter{{}, {Query: "星河"}, {Limit: 1}} {
			answers = append(answers, mustPage(ctx, t, q, f))
		}
		for _, u := range d.uscc {
			h, err := q.EnterpriseHistory(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			answers = append(answers, h)
		}
		b, err := json.Marshal(answers)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.confidential {
			if strings.Contains(string(b), s) {
				t.Errorf("an answer contains the confidential %q", s)
			}
		}
		for _, field := range []string{"tier", "team", "recorded_by", "inspector", "findings", "evidence"} {
			if strings.Contains(string(b), `"`+field) {
				t.Errorf("an answer has a field %q", field)
			}
		}
	})
}

// disclosureData is the event log the suite feeds and what it expects back.
type disclosureData struct {
	log          []event.Envelope
	uscc         map[string]string // enterprise key → USCC
	task         map[string]string // fixture label → task id
	inspected    map[string]string // task id → inspected on
	want         map[string]projections.DisclosureRecord
	confidential []string
}

type disclosureFixture struct {
	label, plan, ent      string
	authority             string
	items                 []string
	inspected, published  string
	results               []string
	returnedFirst         bool // recorded, returned, recorded again, approved, published (v5)
	unpublished           bool // recorded and approved only
	departments, followUp string
}

type enterprise struct{ name, region, body string }

func newDisclosureData(t *testing.T) *disclosureData {
	t.Helper()
	ents := map[string]enterprise{
		// Org code bodies with letters make USCCs whose lower-cased prefix must still match.
		"xinghe":  {"深圳市星河食品有限公司", "440305", "MA5G7K2Q"},
		"baiyun":  {"广州市白云药业有限公司", "440111", "19047352"},
		"shunde":  {"佛山市顺德电器制造有限公司", "440606", "MA4W8R1N"},
		"changan": {"东莞市长安五金制品厂", "441900", "70823164"},
		"hengqin": {"珠海市横琴科技有限公司", "440404", "MA55X0TB"},
	}
	const (
		samr = "市场监督管理局"
		nmpa = "药品监督管理局"
		eco  = "生态环境局"
		safe = "应急管理局"
	)
	fixtures := []disclosureFixture{
		{label: "xinghe-1", plan: "2026-sz-01", ent: "xinghe", authority: samr, items: []string{"食品生产许可检查", "食品标签标识检查"},
			inspected: "2026-03-10", published: "2026-03-20", results: []string{inspection.NoProblem}},
		{label: "baiyun-1", plan: "2026-sz-01", ent: "baiyun", authority: samr + "、" + nmpa, items: []string{"药品经营质量管理规范检查"},
			inspected: "2026-03-15", published: "2026-04-01", results: []string{inspection.NotDisclosed, inspection.CorrectionOrdered}, followUp: inspection.FollowCorrect},
		{label: "shunde-1", plan: "2026-sz-01", ent: "shunde", authority: samr, items: []string{"产品质量监督抽查"},
			inspected: "2026-04-30", published: "2026-05-08", results: []string{inspection.NoProblem, inspection.NoRelevantActivity}, returnedFirst: true},
		// Published after the enterprise's second one (zz sorts after gd): history orders by
		// date, then task id, not by publication.
		{label: "xinghe-3", plan: "2026-zz-03", ent: "xinghe", authority: samr, items: []string{"食品经营许可检查"},
			inspected: "2026-11-05", published: "2026-11-12", results: []string{inspection.NoProblem}},
		{label: "xinghe-2", plan: "2026-gd-02", ent: "xinghe", authority: eco, items: []string{"排污许可证执行情况检查"},
			inspected: "2026-11-05", published: "2026-11-20", results: []string{inspection.PendingFurther}, followUp: inspection.FollowTransfer},
		{label: "changan-1", plan: "2026-gd-02", ent: "changan", authority: safe, items: []string{"安全生产条件检查"},
			inspected: "2025-12-31", published: "2026-01-05", results: []string{inspection.NoProblem}},
		{label: "baiyun-2", plan: "2026-gd-02", ent: "baiyun", authority: samr, items: []string{"食品经营许可检查"},
			inspected: "2026-11-05", published: "2026-11-21", results: []string{inspection.Unreachable}, followUp: inspection.FollowInform},
		{label: "hengqin-1", plan: "2026-gd-02", ent: "hengqin", authority: samr, items: []string{"企业公示信息抽查"},
			inspected: "2026-11-06", results: []string{inspection.NoProblem}, unpublished: true},
	}

	d := &disclosureData{uscc: map[string]string{}, task: map[string]string{}, inspected: map[string]string{},
		want: map[string]projections.DisclosureRecord{}, confidential: []string{"reviewer-wang-3141", "publisher-li-2718"}}
	for key, e := range ents {
		d.uscc[key] = makeUSCC(t, e.region, e.body)
	}
	b := &logBuilder{t: t, versions: map[string]uint64{}, at: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}

	// The directory: every enterprise with its (confidential) tier; the events of other read
	// models are part of the log too.
	for _, key := range []string{"xinghe", "baiyun", "shunde", "changan", "hengqin"} {
		e := ents[key]
		en := directory.Enterprise{USCC: d.uscc[key], Name: e.name, LegalRep: "张三", Address: "广东省", RegionCode: e.region,
			Industry: "制造业", EntityType: "企业", RegAuthority: "市场监督管理局", FoundedOn: "2015-06-01", Status: "存续",
			Tier: "D", TierSetOn: "2025-02-14"}
		b.add(directory.EnterpriseStream(en.USCC), directory.EnterpriseRegistered, directory.EnterpriseRegisteredV1{Enterprise: en})
	}
	d.confidential = append(d.confidential, `"D"`, "2025-02-14")

	// Each task's events in lifecycle order, the tasks interleaved as in a real log.
	type pending struct {
		stream string
		steps  []step
	}
	var queue []*pending
	for i, fx := range fixtures {
		id := fx.plan + "-" + d.uscc[fx.ent]
		if _, _, ok := inspection.ParseTaskID(id); !ok {
			t.Fatalf("fixture %s: task id %q does not parse", fx.label, id)
		}
		d.task[fx.label], d.inspected[id] = id, fx.inspected
		inspector := fmt.Sprintf("inspector-%s-%04d", fx.ent, 1000+i)
		d.confidential = append(d.confidential, inspector)
		followUp := cmp.Or(fx.followUp, inspection.FollowNone)
		res := inspection.Result{CheckMethods: []string{"实地检查"}, Results: fx.results, FollowUp: followUp,
			Findings: "机密的检查记录 " + inspector, InspectedOn: fx.inspected}
		recorded := inspection.ResultRecordedV1{Result: res, RecordedBy: inspector}
		var steps []step
		if fx.returnedFirst {
			first := recorded
			first.Results = []string{inspection.PendingFurther}
			steps = append(steps,
				step{inspection.ResultRecorded, first},
				step{inspection.ResultReturned, inspection.ResultReturnedV1{Reason: "结果与记录不符", By: "reviewer-wang-3141", Department: samr}})
		}
		steps = append(steps,
			step{inspection.ResultRecorded, recorded},
			step{inspection.ResultApproved, inspection.ResultApprovedV1{By: "reviewer-wang-3141", Department: samr}})
		if !fx.unpublished {
			pub := inspection.Public{USCC: d.uscc[fx.ent], Enterprise: ents[fx.ent].name, RegionCode: ents[fx.ent].region,
				Authority: fx.authority, Items: fx.items, InspectedOn: fx.inspected, Results: fx.results}
			steps = append(steps, step{inspection.ResultPublished, inspection.ResultPublishedV1{PublishedOn: fx.published, Public: pub,
				By: "publisher-li-2718", Department: samr}})
			d.want[id] = projections.DisclosureRecord{Task: id, Plan: fx.plan, USCC: pub.USCC, Enterprise: pub.Enterprise,
				RegionCode: pub.RegionCode, Authority: pub.Authority, Items: pub.Items, InspectedOn: pub.InspectedOn,
				Results: pub.Results, PublishedOn: fx.published}
		}
		queue = append(queue, &pending{stream: inspection.Stream(id), steps: steps})
	}
	for len(queue) > 0 {
		var next []*pending
		for _, p := range queue {
			b.add(p.stream, p.steps[0].typ, p.steps[0].payload)
			if p.steps = p.steps[1:]; len(p.steps) > 0 {
				next = append(next, p)
			}
		}
		queue = next
	}

	// After publication the directory renames an enterprise: the disclosure keeps the name
	// it was published with.
	renamed := directory.Enterprise{USCC: d.uscc["xinghe"], Name: "深圳市星河控股集团有限公司", LegalRep: "张三", Address: "广东省",
		RegionCode: "440305", Industry: "制造业", EntityType: "企业", RegAuthority: "市场监督管理局", FoundedOn: "2015-06-01", Status: "存续",
		Tier: "D", TierSetOn: "2025-02-14"}
	b.add(directory.EnterpriseStream(renamed.USCC), directory.EnterpriseUpdated, directory.EnterpriseUpdatedV1{Enterprise: renamed})

	d.log = b.log
	return d
}

type step struct {
	typ     string
	payload any
}

type logBuilder struct {
	t        *testing.T
	versions map[string]uint64
	at       time.Time
	log      []event.Envelope
}

func (b *logBuilder) add(stream, typ string, payload any) {
	b.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		b.t.Fatal(err)
	}
	b.versions[stream]++
	pos := uint64(len(b.log) + 1)
	b.at = b.at.Add(time.Hour)
	b.log = append(b.log, event.Envelope{
		ID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", pos), Stream: stream, Version: b.versions[stream], Type: typ,
		OccurredAt: b.at, RecordedAt: b.at, Actor: event.Actor{ID: "system", Role: "system"},
		CommandID: fmt.Sprintf("cmd-%d", pos), Payload: raw, Position: pos,
	})
}

// redelivered is the published events among es, delivered again.
func (d *disclosureData) redelivered(es []event.Envelope) []event.Envelope {
	var out []event.Envelope
	for _, e := range es {
		if e.Type == inspection.ResultPublished {
			out = append(out, e)
		}
	}
	return out
}

// published is every published task id in task order.
func (d *disclosureData) published() []string {
	var out []string
	for id := range d.want {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// tasks maps labels to task ids in task order (nil for none).
func (d *disclosureData) tasks(labels ...string) []string {
	var out []string
	for _, l := range labels {
		id, ok := d.task[l]
		if !ok {
			panic("projectionstest: no fixture " + l)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// historyOrder maps labels to task ids ordered by inspection date, then task id.
func (d *disclosureData) historyOrder(labels ...string) []string {
	out := d.tasks(labels...)
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(d.inspected[a], d.inspected[b]) })
	return out
}

func makeUSCC(t *testing.T, region, body string) string {
	t.Helper()
	org, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	first := "91" + region + body + string(org)
	c, err := directory.USCCCheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	u := first + string(c)
	if err := directory.ValidateUSCC(u); err != nil {
		t.Fatalf("fixture USCC %s: %v", u, err)
	}
	return u
}

func mustPage(ctx context.Context, t *testing.T, q projections.DisclosureQueries, f projections.DisclosureFilter) projections.Page[projections.DisclosureRecord] {
	t.Helper()
	p, err := q.Disclosures(ctx, f)
	if err != nil {
		t.Fatalf("disclosures %+v: %v", f, err)
	}
	return p
}

func tasksOf(rs []projections.DisclosureRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Task)
	}
	return out
}

// equalRecord compares every field; nil and empty lists are equal.
func equalRecord(a, b projections.DisclosureRecord) bool {
	return a.Task == b.Task && a.Plan == b.Plan && a.USCC == b.USCC && a.Enterprise == b.Enterprise &&
		a.RegionCode == b.RegionCode && a.Authority == b.Authority && slices.Equal(a.Items, b.Items) &&
		a.InspectedOn == b.InspectedOn && slices.Equal(a.Results, b.Results) && a.PublishedOn == b.PublishedOn
}
