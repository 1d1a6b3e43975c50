package inspection_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/inspection"
)

var ent = inspection.Enterprise{Name: "广州某某贸易有限公司", RegionCode: "440103"}

// Every command refuses the wrong state with ErrState, and the task stays where it was.
func TestLifecycle(t *testing.T) {
	f := facts()
	var k inspection.Task
	record := func() error { _, err := k.Record(f, "a01", clean(), now); return err }
	ret := func() error { _, err := k.Return(f, "市场监管局", "r01", "照片不清晰"); return err }
	approve := func() error { _, err := k.Approve(f, "消防救援支队", "r02"); return err }
	publish := func() error { _, err := k.Publish(f, "市场监管局", "r01", ent, now); return err }
	refused := func(step string, err error) {
		t.Helper()
		before := k.State()
		if !errors.Is(err, inspection.ErrState) {
			t.Fatalf("%s in state %s: err = %v, want ErrState", step, before, err)
		}
		if k.State() != before {
			t.Fatalf("%s: state moved to %s", step, k.State())
		}
	}
	ok := func(step string, err error, want inspection.State) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if k.State() != want {
			t.Fatalf("%s: state %s, want %s", step, k.State(), want)
		}
	}

	if k.State() != inspection.StateAssigned {
		t.Fatalf("zero task: %s", k.State())
	}
	refused("return", ret())
	refused("approve", approve())
	refused("publish", publish())
	ok("record", record(), inspection.StateRecorded)
	refused("record twice", record())
	refused("publish unapproved", publish())
	ok("return", ret(), inspection.StateReturned)
	if k.ReturnReason() != "照片不清晰" {
		t.Fatalf("return reason %q", k.ReturnReason())
	}
	refused("return twice", ret())
	refused("approve a returned result", approve())
	refused("publish a returned result", publish())
	ok("record again", record(), inspection.StateRecorded)
	ok("approve", approve(), inspection.StateApproved)
	refused("record after approval", record())
	refused("return after approval", ret())
	refused("approve twice", approve())
	ok("publish", publish(), inspection.StatePublished)
	for name, step := range map[string]func() error{"record": record, "return": ret, "approve": approve, "publish": publish} {
		refused(name+" after publication", step())
	}
	pub, okp := k.Publication()
	if !okp || pub.PublishedOn != "2026-12-20" || pub.By != "r01" || pub.Department != "市场监管局" {
		t.Fatalf("publication %+v", pub)
	}
}

// Membership comes before everything else: a stranger learns nothing of the task's state.
func TestMembership(t *testing.T) {
	f := facts()
	var k inspection.Task
	for _, who := range []string{"", "b01", "A01"} {
		if _, err := k.Record(f, who, clean(), now); !errors.Is(err, inspection.ErrNotOnTeam) {
			t.Fatalf("record by %q: %v", who, err)
		}
	}
	bad := inspection.Result{} // invalid too: membership is checked first
	if _, err := k.Record(f, "zz", bad, now); !errors.Is(err, inspection.ErrNotOnTeam) {
		t.Fatalf("stranger with a bad result: %v", err)
	}
	unfilled := f
	unfilled.Team = nil
	if _, err := k.Record(unfilled, "a01", clean(), now); !errors.Is(err, inspection.ErrNotOnTeam) {
		t.Fatalf("unfilled task: %v", err)
	}
	for _, d := range []string{"", "卫健委", "市场监管"} {
		if _, err := k.Approve(f, d, "r"); !errors.Is(err, inspection.ErrOtherDepartment) {
			t.Fatalf("approve by %q: %v", d, err)
		}
		if _, err := k.Return(f, d, "r", "x"); !errors.Is(err, inspection.ErrOtherDepartment) {
			t.Fatalf("return by %q: %v", d, err)
		}
		if _, err := k.Publish(f, d, "r", ent, now); !errors.Is(err, inspection.ErrOtherDepartment) {
			t.Fatalf("publish by %q: %v", d, err)
		}
	}
	// After a substitution the team is the current one: the replaced member may not record.
	sub := f
	sub.Team = []string{"x01", "a02"}
	if _, err := k.Record(sub, "a01", clean(), now); !errors.Is(err, inspection.ErrNotOnTeam) {
		t.Fatalf("replaced member: %v", err)
	}
	if _, err := k.Record(sub, "a02", clean(), now); err != nil {
		t.Fatalf("replacement: %v", err)
	}
}

func TestRecordRules(t *testing.T) {
	edit := func(fn func(*inspection.Result)) inspection.Result {
		r := clean()
		fn(&r)
		return r
	}
	cases := []struct {
		name string
		r    inspection.Result
		want []string
	}{
		{"nothing", inspection.Result{}, []string{"check_methods:required", "follow_up:oneof", "inspected_on:date", "results:required"}},
		{"unknown result", edit(func(r *inspection.Result) { r.Results = []string{"良好"} }), []string{"results[0]:vocabulary"}},
		{"unknown method", edit(func(r *inspection.Result) { r.CheckMethods = []string{"实地检查", "电话询问"} }), []string{"check_methods[1]:vocabulary"}},
		{"repeated method", edit(func(r *inspection.Result) { r.CheckMethods = []string{"书面检查", "实地检查", "书面检查"} }), []string{"check_methods[2]:duplicate"}},
		{"repeated result", edit(func(r *inspection.Result) { r.Results = []string{inspection.NoProblem, inspection.NoProblem} }), []string{"results[1]:duplicate"}},
		{"no problem and a problem", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.NoProblem, inspection.NotDisclosed}
			r.Findings = "x"
		}), []string{"results:excludes_problems"}},
		{"no problem and corrected", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.CorrectionOrdered, inspection.NoProblem}
			r.Findings = "x"
		}), []string{"results:excludes_problems"}},
		{"no problem and deregistered", edit(func(r *inspection.Result) { r.Results = []string{inspection.NoProblem, inspection.Deregistered} }), []string{"results:excludes_problems"}},
		{"pending without a specific finding", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.PendingFurther}
			r.Findings = "x"
			r.FollowUp = inspection.FollowTransfer
		}), []string{"results:needs_finding"}},
		{"pending with corrected is not specific", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.PendingFurther, inspection.CorrectionOrdered}
			r.Findings = "x"
			r.FollowUp = inspection.FollowTransfer
		}), []string{"results:needs_finding"}},
		{"pending without text", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.PendingFurther, inspection.Unreachable}
			r.FollowUp = inspection.FollowTransfer
		}), []string{"findings:needs_finding"}},
		{"pending without follow-up", edit(func(r *inspection.Result) {
			r.Results = []string{inspection.PendingFurther, inspection.Unreachable}
			r.Findings = "两次实地核查均无法联系"
		}), []string{"follow_up:needs_follow_up"}},
		{"problem without text", edit(func(r *inspection.Result) { r.Results = []string{inspection.Obstructed} }), []string{"findings:needs_finding"}},
		{"findings too long", edit(func(r *inspection.Result) { r.Findings = strings.Repeat("字", 2001) }), []string{"findings:max"}},
		{"unknown follow-up", edit(func(r *inspection.Result) { r.FollowUp = "罚款" }), []string{"follow_up:oneof"}},
		{"correction without a problem", edit(func(r *inspection.Result) { r.FollowUp = inspection.FollowCorrect }), []string{"follow_up:needs_problem"}},
		{"transfer without a problem", edit(func(r *inspection.Result) { r.FollowUp = inspection.FollowTransfer }), []string{"follow_up:needs_problem"}},
		{"bad date", edit(func(r *inspection.Result) { r.InspectedOn = "2026-12-32" }), []string{"inspected_on:date"}},
		{"future", edit(func(r *inspection.Result) { r.InspectedOn = "2026-12-21" }), []string{"inspected_on:future_date"}},
		{"before the draw", edit(func(r *inspection.Result) { r.InspectedOn = "2026-12-04" }), []string{"inspected_on:before_draw"}},
		{"bad hash", edit(func(r *inspection.Result) { r.Evidence = []string{hash('a'), "abc", hash('g')} }), []string{"evidence[1]:sha256", "evidence[2]:sha256"}},
		{"repeated hash (any case)", edit(func(r *inspection.Result) { r.Evidence = []string{hash('a'), hash('A')} }), []string{"evidence[1]:duplicate"}},
		{"too many files", edit(func(r *inspection.Result) {
			for i := range 101 {
				r.Evidence = append(r.Evidence, strings.Repeat("0", 60)+string("0123456789abcdef"[i%16])+string("0123456789abcdef"[i/16%16])+"00")
			}
		}), []string{"evidence:max_items"}},
	}
	for _, c := range cases {
		var k inspection.Task
		ev, err := k.Record(facts(), "a01", c.r, now)
		if got := fieldsOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if ev != nil || k.State() != inspection.StateAssigned {
			t.Errorf("%s: a refusal recorded something", c.name)
		}
		if err != nil && !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%s: %v is not a field error", c.name, err)
		}
	}
}

func TestRecordAccepts(t *testing.T) {
	cases := map[string]inspection.Result{
		"no problem":                   clean(),
		"no problem, no such activity": {CheckMethods: []string{"网络监测"}, Results: []string{inspection.NoRelevantActivity, inspection.NoProblem}, FollowUp: inspection.FollowNone, InspectedOn: "2026-12-05"},
		"corrected":                    corrected(),
		"pending, specific":            {CheckMethods: []string{"实地检查"}, Results: []string{inspection.PendingFurther, inspection.Unreachable}, Findings: "两次实地核查均无法联系", FollowUp: inspection.FollowInform, InspectedOn: "2026-12-20"},
		"deregistered, inform":         {CheckMethods: []string{"采用其他部门结论"}, Results: []string{inspection.Deregistered}, FollowUp: inspection.FollowInform, InspectedOn: "2026-12-20"},
		"moved out":                    {CheckMethods: []string{"书面检查"}, Results: []string{inspection.MovedOut, inspection.NoRelevantActivity}, FollowUp: inspection.FollowNone, InspectedOn: "2026-12-06"},
	}
	for name, r := range cases {
		var k inspection.Task
		if _, err := k.Record(facts(), "x01", r, now); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// "Today" is China's: at 23:30 UTC on the 19th it is already the 20th in China.
	var k inspection.Task
	r := clean()
	r.InspectedOn = "2026-12-20"
	if _, err := k.Record(facts(), "a01", r, time.Date(2026, 12, 19, 23, 30, 0, 0, time.UTC)); err != nil {
		t.Fatalf("today in China: %v", err)
	}
}

// Lists are recorded in vocabulary order, hashes lower-case: equal results, equal events.
func TestRecordIsCanonical(t *testing.T) {
	var a, b inspection.Task
	r := corrected()
	ev1 := must(t)(a.Record(facts(), "a01", r, now))
	slices.Reverse(r.CheckMethods)
	slices.Reverse(r.Results)
	r.Evidence = []string{strings.ToUpper(hash('a')), strings.ToLower(hash('B'))}
	ev2 := must(t)(b.Record(facts(), "a01", r, now))
	j1, _ := json.Marshal(ev1[0].Payload)
	j2, _ := json.Marshal(ev2[0].Payload)
	if string(j1) != string(j2) {
		t.Fatalf("%s\n%s", j1, j2)
	}
	got, by, _ := a.Result()
	if !slices.Equal(got.Results, []string{inspection.NotDisclosed, inspection.CorrectionOrdered}) ||
		!slices.Equal(got.CheckMethods, []string{"实地检查", "书面检查"}) || got.Evidence[1] != hash('b') || by != "a01" {
		t.Fatalf("result %+v by %s", got, by)
	}
}

func TestReturnNeedsAReason(t *testing.T) {
	var k inspection.Task
	must(t)(k.Record(facts(), "a01", clean(), now))
	for _, reason := range []string{"", "   ", strings.Repeat("字", 501)} {
		if _, err := k.Return(facts(), "市场监管局", "r01", reason); !slices.Equal(fieldsOf(err), []string{"reason:required"}) {
			t.Fatalf("reason %q: %v", reason, err)
		}
	}
	if k.State() != inspection.StateRecorded {
		t.Fatal("refused return moved the task")
	}
}

// The disclosure holds only the public fields, frozen at publication.
func TestPublishSnapshot(t *testing.T) {
	var k inspection.Task
	must(t)(k.Record(facts(), "a01", corrected(), now))
	must(t)(k.Approve(facts(), "市场监管局", "r01"))
	if _, err := k.Publish(facts(), "市场监管局", "r01", inspection.Enterprise{Name: "  "}, now); !slices.Equal(fieldsOf(err), []string{"enterprise:required"}) {
		t.Fatalf("nameless enterprise: %v", err)
	}
	ev := must(t)(k.Publish(facts(), "市场监管局", "r01", ent, now))
	pub := ev[0].Payload.(inspection.ResultPublishedV1)
	want := inspection.Public{USCC: uscc(1001), Enterprise: ent.Name, RegionCode: "440103", Authority: "市场监管局、消防救援支队",
		Items: []string{"事项SC-01", "事项XF-01"}, InspectedOn: "2026-12-10", Results: []string{inspection.NotDisclosed, inspection.CorrectionOrdered}}
	if !reflect.DeepEqual(pub.Public, want) || pub.PublishedOn != "2026-12-20" {
		t.Fatalf("public %+v", pub)
	}
	b, _ := json.Marshal(pub.Public)
	var keys map[string]any
	json.Unmarshal(b, &keys)
	for k := range keys {
		if !slices.Contains([]string{"uscc", "enterprise", "region_code", "authority", "items", "inspected_on", "results"}, k) {
			t.Errorf("public field %q", k)
		}
	}
	for _, secret := range []string{"a01", "x01", "2025年度报告未公示", "credit_tier"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the disclosure shows %q: %s", secret, b)
		}
	}
}

func TestFollowUpAndRecheck(t *testing.T) {
	f := facts()
	rc := inspection.Recheck{CheckedOn: "2026-12-18", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone}

	// A clean result opens nothing: no re-check.
	var plain inspection.Task
	must(t)(plain.Record(f, "a01", clean(), now))
	must(t)(plain.Approve(f, "市场监管局", "r01"))
	if plain.FollowUpOpen() {
		t.Fatal("a clean result opened a follow-up")
	}
	if _, err := plain.RecordRecheck(f, "a01", rc, now); !errors.Is(err, inspection.ErrState) {
		t.Fatalf("re-check without follow-up: %v", err)
	}

	var k inspection.Task
	must(t)(k.Record(f, "a01", corrected(), now))
	if !k.FollowUpOpen() {
		t.Fatal("an ordered correction must open the follow-up")
	}
	if _, err := k.RecordRecheck(f, "a01", rc, now); !errors.Is(err, inspection.ErrState) {
		t.Fatalf("re-check before approval: %v", err)
	}
	must(t)(k.Approve(f, "市场监管局", "r01"))
	if _, err := k.RecordRecheck(f, "b01", rc, now); !errors.Is(err, inspection.ErrNotOnTeam) {
		t.Fatalf("re-check by a stranger: %v", err)
	}
	bad := map[string]struct {
		rc   inspection.Recheck
		want []string
	}{
		"empty":               {inspection.Recheck{}, []string{"checked_on:date", "follow_up:oneof", "outcome:oneof"}},
		"before inspection":   {inspection.Recheck{CheckedOn: "2026-12-09", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone}, []string{"checked_on:before_inspection"}},
		"future":              {inspection.Recheck{CheckedOn: "2026-12-21", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone}, []string{"checked_on:future_date"}},
		"not corrected, bare": {inspection.Recheck{CheckedOn: "2026-12-18", Outcome: inspection.NotCorrected, FollowUp: inspection.FollowNone}, []string{"findings:needs_finding", "follow_up:needs_follow_up"}},
		"corrected, track":    {inspection.Recheck{CheckedOn: "2026-12-18", Outcome: inspection.Corrected, FollowUp: inspection.FollowCorrect}, []string{"follow_up:nothing_to_correct"}},
		"bad evidence":        {inspection.Recheck{CheckedOn: "2026-12-18", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone, Evidence: []string{"zz"}}, []string{"evidence[0]:sha256"}},
	}
	for name, c := range bad {
		if _, err := k.RecordRecheck(f, "x01", c.rc, now); !slices.Equal(fieldsOf(err), c.want) {
			t.Errorf("%s: %v, want %v", name, fieldsOf(err), c.want)
		}
	}
	// Not corrected, correction ordered again: still open.
	must(t)(k.RecordRecheck(f, "x01", inspection.Recheck{CheckedOn: "2026-12-15", Outcome: inspection.NotCorrected, Findings: "仍未公示", FollowUp: inspection.FollowCorrect}, now))
	if !k.FollowUpOpen() {
		t.Fatal("a new correction order keeps the follow-up open")
	}
	must(t)(k.Publish(f, "消防救援支队", "r02", ent, now)) // publication does not wait for the re-check
	must(t)(k.RecordRecheck(f, "a01", rc, now))
	if k.FollowUpOpen() || len(k.Rechecks()) != 2 || k.State() != inspection.StatePublished {
		t.Fatalf("after the closing re-check: open %v, rechecks %d, state %s", k.FollowUpOpen(), len(k.Rechecks()), k.State())
	}
	if _, err := k.RecordRecheck(f, "a01", rc, now); !errors.Is(err, inspection.ErrState) {
		t.Fatalf("re-check after closing: %v", err)
	}
}

// A returned result is recorded anew: approval and follow-up follow the new one.
func TestReRecordReplacesTheResult(t *testing.T) {
	var k inspection.Task
	must(t)(k.Record(facts(), "a01", corrected(), now))
	must(t)(k.Return(facts(), "消防救援支队", "r02", "整改要求不明确"))
	must(t)(k.Record(facts(), "x01", clean(), now))
	r, by, _ := k.Result()
	if k.FollowUpOpen() || by != "x01" || r.Results[0] != inspection.NoProblem || k.ReturnReason() != "整改要求不明确" {
		t.Fatalf("after re-recording: open %v by %s %+v", k.FollowUpOpen(), by, r)
	}
}

func TestRehydrationEqualsLive(t *testing.T) {
	f := facts()
	var live inspection.Task
	var events []directory.Change
	steps := []func() ([]directory.Change, error){
		func() ([]directory.Change, error) { return live.Record(f, "a01", corrected(), now) },
		func() ([]directory.Change, error) { return live.Return(f, "市场监管局", "r01", "证据不足") },
		func() ([]directory.Change, error) { return live.Record(f, "x01", corrected(), now) },
		func() ([]directory.Change, error) { return live.Approve(f, "市场监管局", "r01") },
		func() ([]directory.Change, error) {
			return live.RecordRecheck(f, "a01", inspection.Recheck{CheckedOn: "2026-12-12", Outcome: inspection.NotCorrected, Findings: "未改", FollowUp: inspection.FollowCorrect}, now)
		},
		func() ([]directory.Change, error) { return live.Publish(f, "消防救援支队", "r02", ent, now) },
		func() ([]directory.Change, error) {
			return live.RecordRecheck(f, "x01", inspection.Recheck{CheckedOn: "2026-12-19", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone, Evidence: []string{hash('c')}}, now)
		},
	}
	for i, step := range steps {
		events = append(events, must(t)(step())...)
		if got := rehydrate(t, events); !reflect.DeepEqual(*got, live) {
			t.Fatalf("after step %d: rehydrated %+v\nlive %+v", i, *got, live)
		}
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Type] = true
	}
	for _, typ := range inspection.EventTypes {
		if !seen[typ] {
			t.Errorf("%s not exercised", typ)
		}
	}
}

func TestApplyRefusesEventsOutOfOrder(t *testing.T) {
	var k inspection.Task
	for _, typ := range []string{inspection.ResultReturned, inspection.ResultApproved, inspection.ResultPublished, inspection.RecheckRecorded} {
		if err := k.Apply(typ, []byte(`{}`)); !errors.Is(err, inspection.ErrState) {
			t.Errorf("%s on a fresh task: %v", typ, err)
		}
	}
	if err := k.Apply("inspection.unknown.v1", []byte(`{}`)); err == nil {
		t.Error("unknown type accepted")
	}
	if err := k.Apply(inspection.ResultRecorded, []byte(`{"results":`)); err == nil {
		t.Error("broken payload accepted")
	}
	if err := k.Apply(inspection.ResultRecorded, []byte(`{"results":["未发现问题"]}`)); err != nil || k.State() != inspection.StateRecorded {
		t.Fatalf("recorded: %v", err)
	}
	// A recorded event cannot follow another: the log would be inconsistent.
	if err := k.Apply(inspection.ResultRecorded, []byte(`{}`)); !errors.Is(err, inspection.ErrState) {
		t.Fatalf("recorded twice: %v", err)
	}
}

func TestParseTaskID(t *testing.T) {
	u := uscc(1001)
	for id, want := range map[string][2]string{
		"P1-" + u:         {"P1", u},
		"2026-GZ-01-" + u: {"2026-GZ-01", u},
	} {
		p, got, ok := inspection.ParseTaskID(id)
		if !ok || p != want[0] || got != want[1] {
			t.Errorf("ParseTaskID(%q) = %q %q %v", id, p, got, ok)
		}
	}
	for _, id := range []string{"", u, "-" + u, "P1" + u, "P1-" + u[:17] + "X", "P1-" + strings.ToLower(u)} {
		if _, _, ok := inspection.ParseTaskID(id); ok {
			t.Errorf("ParseTaskID(%q) accepted", id)
		}
	}
	if inspection.Stream("P1-"+u) != "task-P1-"+u {
		t.Error("stream id")
	}
}
