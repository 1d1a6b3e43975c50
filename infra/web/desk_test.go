package web_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/infra/web"
	"github.com/choucha/choucha/projections"
)

const (
	dept       = "市场监管局"
	adminToken = "desk-test-admin-token-0123456789abcdef"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// deskEnv is the embedded wiring of cmd/choucha/serve.go around a fake clock: a real bbolt
// log, the memory read models fed by a projections.Runner, the commands, and the site.
type deskEnv struct {
	srv    *httptest.Server
	store  *eventlog.Bolt
	clock  *clock
	insp   *memory.Inspections
	tokens map[string]string // "regulator", "elsewhere", or an inspector id → bearer token
	ents   []string
}

func newDeskEnv(t *testing.T) *deskEnv {
	t.Helper()
	ctx := context.Background()
	store, err := eventlog.OpenBolt(filepath.Join(t.TempDir(), "events.db"), eventlog.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, cst)}
	dir, plans, tokens, insp := memory.NewDirectory(), memory.NewPlans(), auth.NewTokens(), memory.NewInspections(clk.Now)
	runner := projections.NewRunner(store, dir, plans, tokens, insp)
	app := commands.NewApplication(commands.Deps{Store: store, Now: clk.Now}, dir, plans)
	meta := func() commands.Meta {
		return commands.Meta{CommandID: uuid.Must(uuid.NewV7()).String(), Actor: auth.Admin.Actor()}
	}
	must := func(_ commands.Outcome, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range []struct{ code, name, cat string }{{"SC-01", "企业公示信息检查", "重点"}, {"SC-02", "广告发布检查", "一般"}} {
		must(app.RegisterItem.Handle(ctx, commands.RegisterItem{Meta: meta(), ItemFields: commands.ItemFields{
			Code: it.code, Name: it.name, LegalBasis: "《企业信息公示暂行条例》", Department: dept, Category: it.cat,
			ObjectType: "企业", Content: "检查内容", Method: "实地检查"}}))
	}
	env := &deskEnv{store: store, clock: clk, insp: insp, tokens: map[string]string{}}
	for tier, n := range map[string]int{"A": 20, "B": 8, "C": 4, "D": 2} {
		base := map[string]int{"A": 1000, "B": 2000, "C": 3000, "D": 4000}[tier]
		for i := range n {
			u := uscc(base + i)
			env.ents = append(env.ents, u)
			must(app.RegisterEnterprise.Handle(ctx, commands.RegisterEnterprise{Meta: meta(), EnterpriseFields: commands.EnterpriseFields{
				USCC: u, Name: fmt.Sprintf("越秀区鸿运商行%d号", base+i), LegalRep: "陈法人", Address: "越秀区中山路1号",
				RegionCode: "440104", Industry: "零售业", EntityType: "企业", RegAuthority: "越秀区市场监管局",
				FoundedOn: "2010-01-01", Status: "存续", CreditTier: tier, TierSetOn: "2026-02-01"}}))
		}
	}
	for i := 1; i <= 4; i++ {
		must(app.RegisterInspector.Handle(ctx, commands.RegisterInspector{Meta: meta(), InspectorFields: commands.InspectorFields{
			ID: fmt.Sprintf("INS%03d", i), Name: inspectorNames[i-1], CertNo: certNo(i), Department: dept, RegionCode: "440104"}}))
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	issuer := auth.NewIssuer(store, clk.Now)
	issue := func(key string, c auth.IssueToken) {
		c.Meta = commands.Meta{Actor: auth.Admin.Actor()}
		tok, err := issuer.Issue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens[key] = tok.Token
	}
	issue("regulator", auth.IssueToken{Role: auth.RoleRegulator, Department: dept, Name: "王监管"})
	issue("elsewhere", auth.IssueToken{Role: auth.RoleRegulator, Department: "应急管理局"})
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("INS%03d", i)
		issue(id, auth.IssueToken{Role: auth.RoleInspector, InspectorID: id})
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Config{Plans: plans, Disclosures: insp, Stats: insp, Now: clk.Now, Authority: "广州市越秀区市场监督管理局",
		Desk: &web.DeskConfig{
			App: app, Auth: auth.NewAuthenticator(sha256.Sum256([]byte(adminToken)), tokens, clk.Now),
			Sync:      func(ctx context.Context) error { _, err := runner.CatchUp(ctx); return err },
			Directory: dir, Plans: plans, Tasks: insp, Validator: validation.New(),
		}})
	if err != nil {
		t.Fatal(err)
	}
	env.srv = httptest.NewServer(site.Handler())
	t.Cleanup(env.srv.Close)
	return env
}

func (e *deskEnv) head(t *testing.T) uint64 {
	t.Helper()
	h, err := e.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// browser keeps cookies and does not follow redirects, so that each step can be checked.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (e *deskEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if strings.Contains(string(raw), "%!") {
		b.t.Fatalf("%s %s: a badly formatted message\n%s", req.Method, req.URL, raw)
	}
	return response{res.StatusCode, string(raw), res.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// page GETs path and wants 200.
func (b *browser) page(path string) string {
	b.t.Helper()
	r := b.get(path)
	if r.status != 200 {
		b.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.body
}

// redirected wants a 303 and returns the page it points to.
func (b *browser) redirected(what string, r response) string {
	b.t.Helper()
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("%s: %d, want 303\n%s", what, r.status, r.body)
	}
	return b.page(r.header.Get("Location"))
}

func (b *browser) login(token string) {
	b.t.Helper()
	b.redirected("login", b.post("/login", url.Values{"token": {token}}))
}

var (
	tagRE      = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE     = regexp.MustCompile(`\b([a-z_-]+)(?:="([^"]*)")?`)
	textareaRE = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	selectedRE = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	actionRE   = regexp.MustCompile(`action="([^"]*)"`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// submit posts the form with the given id as a browser would: its action and the values it
// holds (inputs, checked boxes, textareas, selected options), with the values set replacing
// those fields.
func (b *browser) submit(body, formID string, set url.Values) response {
	b.t.Helper()
	i := strings.Index(body, `id="`+formID+`"`)
	if i < 0 {
		b.t.Fatalf("no form #%s in\n%s", formID, body)
	}
	start := strings.LastIndex(body[:i], "<form")
	end := strings.Index(body[i:], "</form>")
	f := body[start : i+end]
	m := actionRE.FindStringSubmatch(f[:strings.Index(f, ">")])
	if m == nil {
		b.t.Fatalf("form #%s has no action", formID)
	}
	v := url.Values{}
	for _, tag := range tagRE.FindAllString(f, -1) {
		a := attrs(tag)
		_, checked := a["checked"]
		if a["name"] != "" && (a["type"] != "checkbox" && a["type"] != "radio" || checked) {
			v.Add(a["name"], a["value"])
		}
	}
	for _, ta := range textareaRE.FindAllStringSubmatch(f, -1) {
		v.Add(attrs(ta[1])["name"], html.UnescapeString(ta[2]))
	}
	for _, sel := range selectRE.FindAllStringSubmatch(f, -1) {
		if o := selectedRE.FindStringSubmatch(sel[2]); o != nil {
			v.Add(attrs(sel[1])["name"], html.UnescapeString(o[1]))
		}
	}
	for k, xs := range set {
		v[k] = xs
	}
	return b.post(html.UnescapeString(m[1]), v)
}

func mustHave(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: missing %q in\n%s", what, w, body)
		}
	}
}

func TestDeskConfigValidate(t *testing.T) {
	_, err := web.New(web.Config{Plans: memory.NewPlans(), Disclosures: memory.NewInspections(time.Now), Stats: memory.NewInspections(time.Now),
		Authority: "x", Desk: &web.DeskConfig{}})
	if err == nil {
		t.Fatal("an empty desk was accepted")
	}
	for _, want := range []string{"Auth", "Sync", "Directory", "Plans", "Tasks", "Validator"} {
		if !strings.Contains(err.Error(), "Desk."+want) {
			t.Errorf("Validate does not name Desk.%s: %v", want, err)
		}
	}
}

func TestDeskLoginLogout(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)

	r := b.get("/desk/tasks?status=recorded")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fdesk%2Ftasks%3Fstatus%3Drecorded" {
		t.Fatalf("signed out: %d %s", r.status, r.header.Get("Location"))
	}
	login := b.page(r.header.Get("Location"))
	mustHave(t, "login page", login, `id="login-form"`, `name="token"`, `name="next" value="/desk/tasks?status=recorded"`, `id="nav-login"`)

	r = b.post("/login", url.Values{"token": {"not-a-token"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `id="login-error"`) {
		t.Fatalf("a wrong token: %d", r.status)
	}
	r = b.post("/login", url.Values{"token": {" " + env.tokens["regulator"] + "\n"}, "next": {"/desk/tasks?status=recorded"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/desk/tasks?status=recorded" {
		t.Fatalf("sign in: %d %s", r.status, r.header.Get("Location"))
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"choucha_session=" + env.tokens["regulator"], "Path=/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("Secure on a plain-HTTP request: %s", cookie)
	}
	desk := b.page("/desk")
	mustHave(t, "dashboard", desk, "王监管 · 监管人员 · 市场监管局", `id="logout-form"`, `id="review-count"`, `id="overdue-count"`, `id="new-plan"`)

	// An open redirect is not possible: next must be a desk page.
	for _, next := range []string{"https://evil.example/desk", "//evil.example/desk", "/plans"} {
		r = b.post("/login", url.Values{"token": {env.tokens["regulator"]}, "next": {next}})
		if r.header.Get("Location") != "/desk" {
			t.Errorf("next %q → %s", next, r.header.Get("Location"))
		}
	}

	if r = b.post("/logout", url.Values{"csrf": {"0000"}}); r.status != http.StatusForbidden {
		t.Fatalf("logout without the csrf field: %d", r.status)
	}
	b.redirected("logout", b.submit(desk, "logout-form", nil))
	if r = b.get("/desk"); r.status != http.StatusSeeOther {
		t.Fatalf("after logout: %d", r.status)
	}

	// The public pages link to the desk only when one is configured.
	home := b.page("/")
	mustHave(t, "home", home, `id="nav-desk" href="/desk"`, `id="nav-login" href="/login"`)
	f := newFixture(t)
	_, body, _ := f.get(t, "/", "")
	mustNotContain(t, "home without a desk", body, "nav-desk", "/login")
}

func TestDeskCSRFAndRoles(t *testing.T) {
	env := newDeskEnv(t)
	reg := env.browser(t)
	reg.login(env.tokens["regulator"])
	form := reg.page("/desk/plans/new")
	good := url.Values{"id": {"P-CSRF"}, "year": {"2026"}, "batch": {"1"}, "title": {"t"}, "items": {"SC-01"}, "mode": {"不定向"},
		"ratio_a": {"0.01"}, "ratio_b": {"0.03"}, "ratio_c": {"0.1"}, "ratio_d": {"0.3"}, "seed_type": {"lottery"},
		"seed_date": {"2026-03-03"}, "seed_description": {"双色球"}, "draw_date": {"2026-03-03"}}
	before := env.head(t)
	for name, csrf := range map[string][]string{"missing": nil, "wrong": {strings.Repeat("0", 64)}, "another session's": {""}} {
		v := url.Values{}
		for k, x := range good {
			v[k] = x
		}
		v["csrf"] = csrf
		if name == "another session's" {
			other := env.browser(t)
			other.login(env.tokens["INS001"])
			v.Set("csrf", regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(other.page("/desk/tasks"))[1])
		}
		r := reg.post("/desk/plans", v)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "表单已失效") {
			t.Errorf("%s csrf: %d", name, r.status)
		}
	}
	// A cross-site browser request is refused even with the right field.
	req, _ := http.NewRequest("POST", env.srv.URL+"/desk/plans", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := reg.do(req); r.status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", r.status)
	}
	if env.head(t) != before {
		t.Fatal("a refused form appended events")
	}
	reg.redirected("create with the csrf field", reg.submit(form, "plan-form", good))

	ins := env.browser(t)
	ins.login(env.tokens["INS001"])
	for _, path := range []string{"/desk/plans/new", "/desk/plans/P-CSRF"} {
		if r := ins.get(path); r.status != http.StatusForbidden || !strings.Contains(r.body, "无权") {
			t.Errorf("inspector GET %s: %d", path, r.status)
		}
	}
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(ins.page("/desk"))[1]
	before = env.head(t)
	if r := ins.post("/desk/plans/P-CSRF/announce", url.Values{"csrf": {csrf}}); r.status != http.StatusForbidden {
		t.Errorf("inspector announcing: %d", r.status)
	}
	other := env.browser(t)
	other.login(env.tokens["elsewhere"])
	if r := other.get("/desk/plans/P-CSRF"); r.status != http.StatusForbidden {
		t.Errorf("another department's plan: %d", r.status)
	}
	if env.head(t) != before {
		t.Fatal("a refused role appended events")
	}
}

// TestDeskFlow is the issue's acceptance through the pages alone: a regulator creates a plan
// (an inline error first), announces, reveals, draws and assigns; an assigned inspector
// records a result (an inline error first); the regulator returns it with a reason; the
// inspector sees the reason and records again; the regulator approves and publishes; the
// public finds it by USCC.
func TestDeskFlow(t *testing.T) {
	env := newDeskEnv(t)
	reg := env.browser(t)
	reg.login(env.tokens["regulator"])

	wizard := reg.page("/desk/plans/new")
	round := uint64((env.clock.Now().Add(time.Minute).Unix()-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	mustHave(t, "wizard", wizard, `id="item-SC-01"`, `id="item-SC-02"`, `value="市场监管局" readonly`, `id="ratio_a" name="ratio_a"`,
		`value="0.01"`, `value="0.3"`, fmt.Sprintf(`<span class="mono" id="drand-round">%d</span>`, round), `id="seed-drand"`)
	create := url.Values{"id": {"2026-SC-01"}, "year": {"2026"}, "batch": {"1"}, "title": {"2026年第一批双随机抽查"},
		"items": {"SC-01", "SC-02"}, "mode": {"不定向"}, "ratio_a": {"0.01"}, "ratio_b": {"0.03"}, "ratio_c": {"0.1"}, "ratio_d": {"0.5"},
		"seed_type": {"lottery"}, "seed_date": {"2026-03-03"}, "seed_description": {"中国福利彩票双色球第2026024期开奖号码：红球一组，蓝球一组"},
		"draw_date": {"2026-03-03"}}
	before := env.head(t)
	r := reg.submit(wizard, "plan-form", create)
	if r.status != http.StatusBadRequest {
		t.Fatalf("a 一般 item with D at 0.5: %d", r.status)
	}
	mustHave(t, "inline error", r.body, `id="error-summary"`, `<p class="field-error" id="ratio_d-error"><span>含一般事项的计划，D类（高风险）比例不能超过0.2</span></p>`,
		`aria-invalid="true" aria-describedby="ratio_d-error"`, `value="2026-SC-01"`, `value="0.5"`, `id="item-SC-02" name="items" value="SC-02" checked`)
	if env.head(t) != before {
		t.Fatal("an invalid plan appended events")
	}
	create["items"], create["ratio_d"] = []string{"SC-01"}, []string{"0.3"}
	page := reg.redirected("create", reg.submit(r.body, "plan-form", create))
	mustHave(t, "draft", page, `id="flash"`, `data-state="draft"`, `id="announce-form"`)

	page = reg.redirected("announce", reg.submit(page, "announce-form", nil))
	mustHave(t, "announced", page, `data-state="announced"`, `id="reveal-form"`, `id="seed-not-yet"`, `id="strata"`)
	lottery := url.Values{"sources": {"2 5 12 8 10\n9 18 26 34 41 45"}}
	r = reg.submit(page, "reveal-form", lottery)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="sources-error"`) {
		t.Fatalf("a reveal before the lottery day: %d\n%s", r.status, r.body)
	}
	r = reg.submit(r.body, "reveal-form", url.Values{"sources": {"2 5 x"}})
	mustHave(t, "malformed values", r.body, `id="sources-error"`, "第1行")
	env.clock.Set(time.Date(2026, 3, 3, 21, 30, 0, 0, cst))
	page = reg.redirected("reveal", reg.submit(reg.page("/desk/plans/2026-SC-01"), "reveal-form", lottery))
	mustHave(t, "revealed", page, `data-state="seed_revealed"`, `id="draw-form"`, `id="seed-values"`)
	drawPage := page
	page = reg.redirected("draw", reg.submit(page, "draw-form", nil))
	mustHave(t, "drawn", page, `data-state="enterprises_drawn"`, `id="assign-form"`, `id="team_size" name="team_size" type="number" min="2" max="10" value="2"`)
	// The same draw form again: refused as a step out of order, shown on the page, nothing appended.
	before = env.head(t)
	if r = reg.submit(drawPage, "draw-form", nil); r.status != http.StatusConflict || !strings.Contains(r.body, `id="error-summary"`) {
		t.Fatalf("a second draw: %d", r.status)
	}
	r = reg.submit(page, "assign-form", url.Values{"team_size": {"1"}, "workload_cap": {"x"}})
	mustHave(t, "assign errors", r.body, `id="team_size-error"`, `id="workload_cap-error"`)
	if env.head(t) != before {
		t.Fatal("refusals appended events")
	}
	page = reg.redirected("assign", reg.submit(page, "assign-form", url.Values{"team_size": {"2"}, "workload_cap": {"20"}}))
	mustHave(t, "assigned", page, `data-state="inspectors_assigned"`, `id="plan-done"`, `id="plan-tasks"`, `id="recusal-form"`)

	list := reg.page("/desk/tasks?plan=2026-SC-01")
	tasks, err := env.insp.Tasks(context.Background(), projections.TaskFilter{Plan: "2026-SC-01"})
	if err != nil || len(tasks.Items) == 0 {
		t.Fatalf("tasks %v %v", tasks, err)
	}
	task := tasks.Items[0]
	if len(task.Team) != 2 {
		t.Fatalf("team %v", task.Team)
	}
	mustHave(t, "regulator's task list", list, `id="task-`+task.ID+`"`, fmt.Sprintf("共 %d 项任务", len(tasks.Items)))
	member := task.Team[0]
	var outsider string
	for i := 1; i <= 4; i++ {
		if id := fmt.Sprintf("INS%03d", i); !slices.Contains(task.Team, id) {
			outsider = id
		}
	}

	ins := env.browser(t)
	ins.login(env.tokens[member])
	mine := ins.page("/desk/tasks")
	mustHave(t, "my tasks", mine, "我的检查任务", `id="task-`+task.ID+`"`)
	taskPath := "/desk/tasks/" + task.ID
	page = ins.page(taskPath)
	mustHave(t, "task page", page, `id="result-form"`, `id="method-5"`, `id="result-12"`, `id="inspected_on" name="inspected_on" type="date" value="2026-03-03"`,
		`data-inspector="`+member+`"`, task.USCC)
	var order []string
	for _, m := range regexp.MustCompile(`name="results" value="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	if !slices.Equal(order, inspection.Results) {
		t.Fatalf("result checkboxes %v, want the vocabulary in order", order)
	}
	if r = reg.post(taskPath+"/result", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("a regulator recording: %d", r.status)
	}
	out := env.browser(t)
	out.login(env.tokens[outsider])
	if r = out.get(taskPath); r.status != http.StatusForbidden {
		t.Errorf("an inspector off the team: %d", r.status)
	}

	env.clock.Set(time.Date(2026, 3, 4, 16, 0, 0, 0, cst))
	bad := url.Values{"check_methods": {"实地检查"}, "results": {inspection.NoProblem, inspection.CorrectionOrdered}, "follow_up": {"无需后续处置"}, "inspected_on": {"2026-03-04"}}
	before = env.head(t)
	r = ins.submit(page, "result-form", bad)
	if r.status != http.StatusBadRequest {
		t.Fatalf("contradictory results: %d", r.status)
	}
	mustHave(t, "result errors", r.body, `id="results-error"`, "“未发现问题”不能与问题类或主体状态类结果同时选择", `id="findings-error"`,
		`value="发现问题已责令改正" checked`, `aria-describedby="results-error"`)
	r = ins.submit(r.body, "result-form", url.Values{"check_methods": nil, "results": {inspection.NoProblem}, "evidence": {"abc"}})
	mustHave(t, "edge errors", r.body, `id="check_methods-error"`, "检查方式为必填字段", `id="evidence-error"`)
	if env.head(t) != before {
		t.Fatal("an invalid result appended events")
	}
	good := url.Values{"check_methods": {"实地检查"}, "results": {inspection.NoProblem}, "follow_up": {"无需后续处置"}, "inspected_on": {"2026-03-04"}, "evidence": {""}}
	page = ins.redirected("record", ins.submit(r.body, "result-form", good))
	mustHave(t, "recorded", page, `data-status="recorded"`, `id="task-result"`)
	if strings.Contains(page, `id="result-form"`) {
		t.Error("the result form is offered while in review")
	}

	dash := reg.page("/desk")
	mustHave(t, "review queue", dash, `id="review-count" href="/desk/tasks?status=recorded">1</a>`)
	page = reg.page(taskPath)
	r = reg.submit(page, "return-form", url.Values{"reason": {" "}})
	mustHave(t, "empty reason", r.body, `id="reason-error"`)
	reason := "请补充检查方式：书面检查材料"
	page = reg.redirected("return", reg.submit(page, "return-form", url.Values{"reason": {reason}}))
	mustHave(t, "returned", page, `data-status="returned"`)

	page = ins.page(taskPath)
	mustHave(t, "the inspector sees the reason", page, `id="return-reason"`, reason, `id="method-0" name="check_methods" value="实地检查" checked`)
	good["check_methods"] = []string{"实地检查", "书面检查"}
	page = ins.redirected("record again", ins.submit(page, "result-form", good))
	mustHave(t, "recorded again", page, `data-status="recorded"`, "实地检查；书面检查")

	page = reg.redirected("approve", reg.submit(reg.page(taskPath), "approve-form", nil))
	mustHave(t, "approved", page, `data-status="approved"`, `id="publish-form"`)
	page = reg.redirected("publish", reg.submit(page, "publish-form", nil))
	mustHave(t, "published", page, `data-status="published"`, `id="public-link"`, "2026-03-04")

	public := env.browser(t)
	found := public.page("/disclosures?q=" + task.USCC)
	mustHave(t, "public disclosure", found, task.USCC, "未发现问题", "共 1 条结果", "越秀区鸿运商行")
	mustNotContain(t, "public disclosure", found, member, reason, "INS0")
}

func TestDeskEnglish(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	b.login(env.tokens["regulator"])
	page := b.page("/desk/plans/new?lang=en")
	mustHave(t, "wizard en", page, `<html lang="en">`, "New inspection plan", `action="/desk/plans?lang=en"`, "Tier D (high risk)")
	r := b.submit(page, "plan-form", url.Values{"ratio_a": {"abc"}})
	mustHave(t, "errors en", r.body, `id="ratio_a-error"`, "Tier A (low risk) must be a decimal", "Plan number is a required field")
}
