package httpapi_test

import (
	"strings"
	"testing"
)

func TestCreatePlanErrorsAreFieldLevel(t *testing.T) {
	f := newFixture(t)
	item := `{"code":"SJ-1","name":"食品生产企业监督检查","legal_basis":"《食品安全法》","department":"市场监管局","category":"一般","object_type":"企业","content":"生产环境","method":"实地检查","qualification":"食品安全"}`
	if r := f.do(t, "POST", "/api/v1/items", "application/json", item); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	body := `{"id":"P1","year":2026,"batch":1,"title":"t","lead_department":"市场监管局","items":["SJ-1","NOPE"],
	  "scope":{"region_prefix":"","mode":"不定向"},"ratios":{"A":"0.01","B":"0.05","C":"0.1","D":"0.3"},
	  "draw_date":"2026-12-01","seed":{"type":"lottery","date":"2026-12-01","description":"福彩3D第2026330期"}}`
	r := f.do(t, "POST", "/api/v1/plans", "application/json", body, "Accept-Language", "en")
	if r.status != 400 || !strings.Contains(r.raw, `"field":"items[1]"`) || !strings.Contains(r.raw, "NOPE is not in the list") {
		t.Fatalf("unknown item: %d %s", r.status, r.raw)
	}
	body = strings.Replace(body, `,"NOPE"`, "", 1)
	r = f.do(t, "POST", "/api/v1/plans", "application/json", body, "Accept-Language", "zh-CN")
	if r.status != 400 || !strings.Contains(r.raw, `"field":"ratios.D"`) || !strings.Contains(r.raw, "一般事项") {
		t.Fatalf("a general item caps the ratios: %d %s", r.status, r.raw)
	}
	body = strings.Replace(body, `"D":"0.3"`, `"D":"0.2"`, 1)
	if r = f.do(t, "POST", "/api/v1/plans", "application/json", body); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r = f.do(t, "POST", "/api/v1/plans", "application/json", body); r.status != 409 || !strings.Contains(r.raw, "plan_exists") {
		t.Fatalf("again: %d %s", r.status, r.raw)
	}
	for _, step := range []string{"seed", "draw", "assign"} {
		payload := `{}`
		switch step {
		case "seed":
			payload = `{"sources":[[1,2,3]]}`
		case "assign":
			payload = `{"team_size":2,"workload_cap":5}`
		}
		if r = f.do(t, "POST", "/api/v1/plans/P1/"+step, "application/json", payload); r.status != 409 || !strings.Contains(r.raw, "plan_state") {
			t.Errorf("%s before announcing: %d %s", step, r.status, r.raw)
		}
	}
	if r = f.do(t, "POST", "/api/v1/plans/P1/assign", "application/json", `{"team_size":1,"workload_cap":5}`, "Accept-Language", "en"); r.status != 400 || !strings.Contains(r.raw, `"field":"team_size"`) {
		t.Errorf("team of one: %d %s", r.status, r.raw)
	}
	if r = f.do(t, "POST", "/api/v1/plans/NOPE/draw", "application/json", `{}`); r.status != 404 {
		t.Errorf("missing plan: %d %s", r.status, r.raw)
	}
	// A draft is not public.
	if r = f.do(t, "GET", "/public/v1/plans/P1", "", ""); r.status != 404 {
		t.Errorf("public draft: %d %s", r.status, r.raw)
	}
}
