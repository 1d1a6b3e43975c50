package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/plan"
)

type apiClient struct {
	t     *testing.T
	url   string
	token string
}

func (c apiClient) call(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (c apiClient) must(method, path string, body any, want int) []byte {
	c.t.Helper()
	st, raw := c.call(method, path, body)
	if st != want {
		c.t.Fatalf("%s %s: %d %s", method, path, st, raw)
	}
	return raw
}

// TestPlanThroughAPIAndVerify is the issue's acceptance path: a 4-tier plan is created,
// announced, seeded (a drand round that is in the future at announcement), drawn and assigned
// through the API; `choucha verify plan` on the audit export says it matches, and names the
// one USCC changed in a copy.
func TestPlanThroughAPIAndVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a real serve process")
	}
	src, data := t.TempDir(), t.TempDir()
	if code, _, e := runCLI(t, "gen", "--enterprises", "5000", "--inspectors", "200", "--items", "12", "--out", src); code != 0 {
		t.Fatal(e)
	}
	for _, kind := range []string{"items", "inspectors", "enterprises"} {
		if code, _, e := runCLI(t, "import", kind, filepath.Join(src, kind+".csv"), "--data", data, "--quiet"); code != 0 {
			t.Fatal(e)
		}
	}
	// The leak crawl below reads a few hundred pages at once: no public rate limit here
	// (infra/http tests the limit).
	srv := startServe(t, data, "--public-rate", "-1")
	defer srv.stop(t)
	api := apiClient{t: t, url: srv.url, token: readToken(t, data)}

	var items struct {
		Items []struct {
			Code, Category string
		}
	}
	json.Unmarshal(api.must("GET", "/api/v1/items?department="+urlq("市场监管局"), nil, 200), &items)
	var codes []string
	for _, it := range items.Items {
		if it.Category == "重点" {
			codes = append(codes, it.Code)
		}
	}
	if len(codes) == 0 {
		t.Fatalf("no 重点 item of 市场监管局: %+v", items)
	}
	// The round is published 6 s from now: the pools are committed before anyone can know it.
	round := uint64((time.Now().Unix()+6-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	create := map[string]any{
		"id": "P2026-01", "year": 2026, "batch": 1, "title": "2026年第一批双随机抽查", "lead_department": "市场监管局",
		"items": codes[:1], "scope": map[string]any{"region_prefix": "", "mode": "不定向"},
		"ratios":    map[string]string{"A": "0.01", "B": "0.03", "C": "0.1", "D": "0.3"},
		"draw_date": plan.DrandRoundTime(round).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
		"seed":      map[string]any{"type": "drand", "round": round},
	}
	api.must("POST", "/api/v1/plans", create, 201)
	api.must("POST", "/api/v1/plans/P2026-01/seed", map[string]any{"sources": [][]uint64{{1}}}, 409) // not announced
	api.must("POST", "/api/v1/plans/P2026-01/announce", map[string]any{}, 200)
	if st, raw := api.call("POST", "/api/v1/plans/P2026-01/seed", map[string]any{"sources": [][]uint64{{round}, {1, 2, 3, 4}}}); st != 400 || !strings.Contains(string(raw), "before the seed exists") {
		t.Fatalf("reveal before the round: %d %s", st, raw)
	}
	time.Sleep(time.Until(plan.DrandRoundTime(round)) + 500*time.Millisecond)
	api.must("POST", "/api/v1/plans/P2026-01/seed", map[string]any{"sources": [][]uint64{{round}, {0x1f2e3d4c5b6a7988, 42, 7, 999}}}, 200)
	api.must("POST", "/api/v1/plans/P2026-01/draw", map[string]any{}, 200)
	if st, raw := api.call("POST", "/api/v1/plans/P2026-01/draw", map[string]any{}); st != 409 || !strings.Contains(string(raw), "plan_redraw") {
		t.Fatalf("second draw: %d %s", st, raw)
	}
	api.must("POST", "/api/v1/plans/P2026-01/assign", map[string]any{"team_size": 2, "workload_cap": 20}, 200)

	var view struct {
		State    string
		Drawn    int
		Tasks    int
		Unfilled int
		Draw     plan.PublicView
	}
	json.Unmarshal(api.must("GET", "/api/v1/plans/P2026-01", nil, 200), &view)
	if view.State != string(plan.StateAssigned) || view.Drawn == 0 || view.Tasks != view.Drawn || len(view.Draw.Strata) != 4 {
		t.Fatalf("plan view %+v", view)
	}

	audit := api.must("GET", "/api/v1/plans/P2026-01/audit", nil, 200)
	file := filepath.Join(t.TempDir(), "audit.json")
	os.WriteFile(file, audit, 0o644)
	code, out, e := runCLI(t, "verify", "plan", file)
	if code != 0 || !strings.HasPrefix(out, "MATCH") {
		t.Fatalf("verify plan: %d %s %s", code, out, e)
	}

	// An approved recusal continues the task's pick stream; the original team stays recorded.
	var before plan.AuditData
	json.Unmarshal(audit, &before)
	var task, out1 string
	for _, at := range before.Tasks {
		if len(at.Result.Team) == 2 {
			task, out1 = at.Task.ID, at.Result.Team[0]
			break
		}
	}
	if task == "" {
		t.Fatal("no task got a team")
	}
	api.must("POST", "/api/v1/plans/P2026-01/recusals", map[string]any{"task": task, "inspector": out1, "by": "enterprise", "reason": "检查人员为法定代表人近亲属"}, 201)
	api.must("POST", "/api/v1/plans/P2026-01/recusals", map[string]any{"task": task, "inspector": out1, "by": "inspector", "reason": "again"}, 400)
	api.must("POST", "/api/v1/plans/P2026-01/recusals/R1/decision", map[string]any{"approve": true, "note": "经审核属实"}, 200)
	api.must("POST", "/api/v1/plans/P2026-01/recusals/R1/decision", map[string]any{"approve": false, "note": "again"}, 400)
	api.must("POST", "/api/v1/plans/P2026-01/substitutions", map[string]any{"task": task, "inspector": out1, "reason": "again"}, 400)
	audit = api.must("GET", "/api/v1/plans/P2026-01/audit", nil, 200)
	var after plan.AuditData
	json.Unmarshal(audit, &after)
	if len(after.Substitutions) != 1 || after.Substitutions[0].Out != out1 || after.Substitutions[0].In == "" {
		t.Fatalf("substitutions %+v", after.Substitutions)
	}
	for _, at := range after.Tasks {
		if at.Task.ID == task && at.Result.Team[0] != out1 {
			t.Fatalf("the original team was rewritten: %+v", at.Result)
		}
	}
	os.WriteFile(file, audit, 0o644)
	if code, out, _ := runCLI(t, "verify", "plan", file); code != 0 || !strings.Contains(out, "1 substitutions") {
		t.Fatalf("verify after substitution: %d %s", code, out)
	}

	// One USCC changed in the drawn list of S2: the mismatch names that stratum and index.
	var a plan.AuditData
	json.Unmarshal(audit, &a)
	a.Strata[1].Drawn[0] = a.Strata[1].Pool[len(a.Strata[1].Pool)-1]
	if a.Strata[1].Drawn[0] == a.Strata[1].Pool[0] {
		t.Fatal("pick a different USCC")
	}
	changed, _ := json.Marshal(a)
	os.WriteFile(file, changed, 0o644)
	code, out, _ = runCLI(t, "verify", "plan", file)
	if code != 1 || !strings.Contains(out, "S2 drawn[0]") {
		t.Fatalf("verify tampered: %d %s", code, out)
	}

	resultFlow(t, api, srv.url, after)

	// A second plan of the year: the A enterprises drawn by the first are over their yearly
	// cap (rule 8) and left out, and the plan says so.
	round2 := uint64((time.Now().Unix()+30-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	create["id"], create["seed"] = "P2026-02", map[string]any{"type": "drand", "round": round2}
	create["draw_date"] = plan.DrandRoundTime(round2).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	api.must("POST", "/api/v1/plans", create, 201)
	api.must("POST", "/api/v1/plans/P2026-02/announce", map[string]any{}, 200)
	var second struct{ Ineligible map[string]int }
	json.Unmarshal(api.must("GET", "/api/v1/plans/P2026-02", nil, 200), &second)
	if got, want := second.Ineligible["cap:yearly_cap_A"], len(a.Strata[0].Drawn); got != want || want == 0 {
		t.Fatalf("yearly cap exclusions %d, want the %d A enterprises drawn by the first plan (%v)", got, want, second.Ineligible)
	}

	// The public view: commitments and the drawn list, no tiers, no pools, no inspectors.
	public := apiClient{t: t, url: srv.url}
	pub := string(public.must("GET", "/public/v1/plans/P2026-01", nil, 200))
	for _, secret := range []string{`"tier`, `"pool"`, `"roster"`, "INS0", `"team"`} {
		if strings.Contains(pub, secret) {
			t.Errorf("public plan view leaks %s", secret)
		}
	}
	public.must("GET", "/api/v1/plans/P2026-01/audit", nil, 401)

	t.Run("no confidential data on public surfaces", func(t *testing.T) {
		var drawn []string
		for _, s := range a.Strata {
			drawn = append(drawn, s.Drawn[:min(3, len(s.Drawn))]...)
		}
		pages, docs := crawlPublic(t, srv.url, map[string][]string{"id": {"P2026-01", "P2026-02"}, "uscc": drawn}, secretsOf(t, inspectorsFile(src)))
		t.Logf("crawled %d pages and %d public JSON documents", pages, docs)
		if pages < 10 || docs < 10 {
			t.Errorf("the crawl reached only %d pages and %d JSON documents", pages, docs)
		}
	})
}

func urlq(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// appended reads choucha_events_appended_total from /metrics.
func appended(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "choucha_events_appended_total "); ok {
			return v
		}
	}
	t.Fatal("no choucha_events_appended_total")
	return ""
}

// resultFlow: an assigned inspector records a result, a regulator returns it with a reason,
// it is fixed, approved and published, and the public finds it by USCC. Another inspector's
// token is refused with 403 and nothing is appended.
func resultFlow(t *testing.T, admin apiClient, url string, a plan.AuditData) {
	var task, uscc, member, dept string
	var team []string
	for _, at := range a.Tasks {
		if len(at.Result.Team) == 2 && at.Task.Departments[0] == "市场监管局" && !slices.ContainsFunc(a.Substitutions, func(s assign.Substitution) bool { return s.Task == at.Task.ID }) {
			task, uscc, member, dept, team = at.Task.ID, at.Task.USCC, at.Result.Team[0], at.Task.Departments[0], at.Result.Team
			break
		}
	}
	var outsider string
	for _, in := range a.Assignment.Roster {
		if !slices.Contains(team, in.ID) && in.Active {
			outsider = in.ID
			break
		}
	}
	if task == "" || outsider == "" {
		t.Fatal("no task or no outsider in the fixture")
	}
	issue := func(body map[string]any) apiClient {
		var tok struct{ Token string }
		json.Unmarshal(admin.must("POST", "/api/v1/tokens", body, 201), &tok)
		return apiClient{t: t, url: url, token: tok.Token}
	}
	inspector := issue(map[string]any{"role": "inspector", "inspector_id": member})
	other := issue(map[string]any{"role": "inspector", "inspector_id": outsider})
	regulator := issue(map[string]any{"role": "regulator", "department": dept})
	elsewhere := issue(map[string]any{"role": "regulator", "department": "应急管理局"})

	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	result := map[string]any{"check_methods": []string{"实地检查"}, "results": []string{"未发现问题"}, "follow_up": "无需后续处置", "inspected_on": today}
	before := appended(t, url)
	if st, raw := other.call("POST", "/api/v1/tasks/"+task+"/result", result); st != 403 || !strings.Contains(string(raw), "not_on_team") {
		t.Fatalf("someone else's task: %d %s", st, raw)
	}
	if st, raw := regulator.call("POST", "/api/v1/tasks/"+task+"/result", result); st != 403 {
		t.Fatalf("a regulator recording: %d %s", st, raw)
	}
	if after := appended(t, url); after != before {
		t.Fatalf("refusals appended events: %s → %s", before, after)
	}
	bad := map[string]any{"check_methods": []string{"实地检查"}, "results": []string{"未发现问题", "发现问题已责令改正"}, "follow_up": "无需后续处置", "inspected_on": today}
	if st, raw := inspector.call("POST", "/api/v1/tasks/"+task+"/result", bad); st != 400 || !strings.Contains(string(raw), `"field":"results"`) {
		t.Fatalf("contradictory results: %d %s", st, raw)
	}
	inspector.must("POST", "/api/v1/tasks/"+task+"/result", result, 200)
	elsewhere.must("POST", "/api/v1/tasks/"+task+"/approve", map[string]any{}, 403)
	if st, raw := elsewhere.call("POST", "/api/v1/plans/"+a.Plan+"/draw", map[string]any{}); st != 403 || !strings.Contains(string(raw), "other_department") {
		t.Fatalf("another department's plan: %d %s", st, raw)
	}
	regulator.must("POST", "/api/v1/tasks/"+task+"/return", map[string]any{"reason": "请补充检查方式：书面检查材料"}, 200)
	result["check_methods"] = []string{"实地检查", "书面检查"}
	inspector.must("POST", "/api/v1/tasks/"+task+"/result", result, 200)
	regulator.must("POST", "/api/v1/tasks/"+task+"/approve", map[string]any{}, 200)
	regulator.must("POST", "/api/v1/tasks/"+task+"/publish", map[string]any{}, 200)

	public := apiClient{t: t, url: url}
	raw := string(public.must("GET", "/public/v1/disclosures?q="+uscc, nil, 200))
	if !strings.Contains(raw, uscc) || !strings.Contains(raw, "未发现问题") {
		t.Fatalf("not on the public disclosure list: %s", raw)
	}
	if strings.Contains(raw, member) || strings.Contains(raw, "tier") {
		t.Fatalf("the disclosure leaks: %s", raw)
	}
	var mine struct{ Items []struct{ ID string } }
	json.Unmarshal(other.must("GET", "/api/v1/tasks", nil, 200), &mine)
	for _, it := range mine.Items {
		if it.ID == task {
			t.Fatal("an inspector lists a task that is not theirs")
		}
	}
	other.must("GET", "/api/v1/tasks/"+task, nil, 403)
}
