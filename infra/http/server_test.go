package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/eventlog"
	httpapi "github.com/choucha/choucha/infra/http"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/metrics"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

const token = "test-token-0123456789abcdef0123456789abcdef"

type fixture struct {
	srv *httptest.Server
	log *eventlog.Bolt
	dir *memory.Directory
}

func newFixture(t testing.TB) *fixture { return newAPIFixture(t, 0, 0) }

// newAPIFixture is the API as serve wires it (issued tokens projected by the same runner),
// with the given public rate limit (0: the default).
func newAPIFixture(t testing.TB, rate float64, burst int) *fixture {
	t.Helper()
	log, err := eventlog.OpenBolt(filepath.Join(t.TempDir(), "events.db"), eventlog.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	dir, plans, tokens := memory.NewDirectory(), memory.NewPlans(), auth.NewTokens()
	runner := projections.NewRunner(log, dir, plans, tokens)
	api, err := httpapi.New(httpapi.Config{
		App:       commands.NewApplication(commands.Deps{Store: log, Now: time.Now}, dir, plans),
		Directory: dir,
		Plans:     plans,
		Sync: func(ctx context.Context) error {
			_, err := runner.CatchUp(ctx)
			return err
		},
		Validator:      validation.New(),
		Metrics:        metrics.New(),
		AdminTokenHash: sha256.Sum256([]byte(token)),
		Tokens:         tokens,
		TokenIssuer:    auth.NewIssuer(log, time.Now),
		PublicRate:     rate,
		PublicBurst:    burst,
		Version:        "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, log: log, dir: dir}
}

type resp struct {
	status int
	body   map[string]any
	raw    string
}

func (f *fixture) do(t testing.TB, method, path, contentType, body string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// uscc makes the i-th valid USCC (enterprise, Beijing Dongcheng).
func uscc(t testing.TB, i int) string {
	t.Helper()
	org := fmt.Sprintf("%08d", 10000000+i)
	c, err := directory.OrgCodeCheckDigit(org)
	if err != nil {
		t.Fatal(err)
	}
	first := "91110101" + org + string(c)
	d, err := directory.USCCCheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(d)
}

func enterpriseJSON(u string) string {
	return fmt.Sprintf(`{"uscc":%q,"name":"北京测试科技有限公司","legal_rep":"张三","address":"北京市东城区测试路1号","region_code":"110101","industry":"软件和信息技术服务业","entity_type":"企业","reg_authority":"北京市东城区市场监督管理局","founded_on":"2015-03-02","status":"存续","credit_tier":"B","tier_set_on":"2026-10-01"}`, u)
}

const enterpriseHeader = "uscc,name,legal_rep,address,region_code,industry,entity_type,reg_authority,founded_on,status,credit_tier,tier_set_on,abnormal,serious_violation,under_complaint\n"

func enterpriseCSVRow(u string) string {
	return u + ",北京测试科技有限公司,张三,北京市东城区测试路1号,110101,软件和信息技术服务业,企业,北京市东城区市场监督管理局,2015-03-02,存续,A,2026-10-01,false,false,false\n"
}

func (f *fixture) count(t testing.TB) projections.DirectoryCounts {
	c, err := f.dir.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRegisterGetListEnterprise(t *testing.T) {
	f := newFixture(t)
	u := uscc(t, 1)
	r := f.do(t, "POST", "/api/v1/enterprises", "application/json", enterpriseJSON(u))
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	r = f.do(t, "GET", "/api/v1/enterprises/"+strings.ToLower(u), "", "")
	if r.status != 200 || r.body["uscc"] != u || r.body["credit_tier"] != "B" || r.body["version"] != 1.0 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	// Registering again conflicts and appends nothing.
	head, _ := f.log.Head(context.Background())
	r = f.do(t, "POST", "/api/v1/enterprises", "application/json", enterpriseJSON(u))
	if r.status != http.StatusConflict || r.body["error"].(map[string]any)["code"] != "enterprise_exists" {
		t.Fatalf("re-register: %d %s", r.status, r.raw)
	}
	if h, _ := f.log.Head(context.Background()); h != head {
		t.Fatalf("head moved %d → %d on a refused command", head, h)
	}
	// A tier change is its own event, with the date.
	r = f.do(t, "PUT", "/api/v1/enterprises/"+u+"/tier", "application/json", `{"credit_tier":"D","tier_set_on":"2026-11-01"}`)
	if r.status != 200 {
		t.Fatalf("tier: %d %s", r.status, r.raw)
	}
	evs, _ := f.log.Load(context.Background(), directory.EnterpriseStream(u))
	if len(evs) != 2 || evs[1].Type != directory.EnterpriseTierChanged {
		t.Fatalf("events = %+v", evs)
	}
	r = f.do(t, "GET", "/api/v1/enterprises?credit_tier=D&limit=10", "", "")
	if r.status != 200 || r.body["total"] != 1.0 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	r = f.do(t, "GET", "/api/v1/enterprises/"+uscc(t, 2), "", "")
	if r.status != 404 {
		t.Fatalf("missing: %d %s", r.status, r.raw)
	}
}

func TestIdempotencyKeyReturnsFirstOutcome(t *testing.T) {
	f := newFixture(t)
	body := enterpriseJSON(uscc(t, 1))
	a := f.do(t, "POST", "/api/v1/enterprises", "application/json", body, "Idempotency-Key", "cmd-1")
	b := f.do(t, "POST", "/api/v1/enterprises", "application/json", body, "Idempotency-Key", "cmd-1")
	if a.status != 201 || b.status != 201 || b.body["replayed"] != true || a.body["position"] != b.body["position"] {
		t.Fatalf("first %d %s, repeat %d %s", a.status, a.raw, b.status, b.raw)
	}
	if h, _ := f.log.Head(context.Background()); h != 1 {
		t.Fatalf("head = %d, want 1", h)
	}
}

func TestImportOneBadUSCCWritesNothing(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString(enterpriseHeader)
	bad := uscc(t, 500)
	bad = bad[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", bad[17])+1)%31])
	for i := range 1001 {
		u := uscc(t, i)
		if i == 500 {
			u = bad
		}
		b.WriteString(enterpriseCSVRow(u))
	}
	for _, lang := range []string{"zh-CN,zh;q=0.9", "en-US,en;q=0.8"} {
		r := f.do(t, "POST", "/api/v1/enterprises/import", "text/csv; charset=utf-8", b.String(), "Accept-Language", lang)
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d %s", r.status, r.raw)
		}
		issues := r.body["error"].(map[string]any)["issues"].([]any)
		if len(issues) != 1 {
			t.Fatalf("issues = %v", issues)
		}
		is := issues[0].(map[string]any)
		if is["line"] != 502.0 || is["field"] != "uscc" {
			t.Fatalf("issue = %v, want line 502 field uscc", is)
		}
		msg := is["message"].(string)
		if strings.HasPrefix(lang, "zh") != strings.Contains(msg, "统一社会信用代码") {
			t.Errorf("%s message %q", lang, msg)
		}
	}
	if c := f.count(t); c.Enterprises != 0 {
		t.Fatalf("enterprises = %d after a refused import", c.Enterprises)
	}
	if h, _ := f.log.Head(context.Background()); h != 0 {
		t.Fatalf("head = %d after a refused import", h)
	}
	// The same file without the bad row goes in whole.
	fixed := strings.Replace(b.String(), enterpriseCSVRow(bad), "", 1)
	r := f.do(t, "POST", "/api/v1/enterprises/import", "text/csv", fixed)
	if r.status != 200 || r.body["registered"] != 1000.0 {
		t.Fatalf("import: %d %s", r.status, r.raw)
	}
	if c := f.count(t); c.Enterprises != 1000 {
		t.Fatalf("enterprises = %d", c.Enterprises)
	}
	// Importing it again changes nothing.
	r = f.do(t, "POST", "/api/v1/enterprises/import", "text/csv", fixed)
	if r.status != 200 || r.body["unchanged"] != 1000.0 || r.body["events"] != 0.0 {
		t.Fatalf("re-import: %d %s", r.status, r.raw)
	}
}

func TestImportReportsEveryBadRow(t *testing.T) {
	f := newFixture(t)
	csv := enterpriseHeader + enterpriseCSVRow(uscc(t, 1)) +
		strings.Replace(enterpriseCSVRow(uscc(t, 2)), ",110101,", ",999999,", 1) +
		enterpriseCSVRow(uscc(t, 1)) +
		strings.Replace(enterpriseCSVRow(uscc(t, 3)), ",A,", ",E,", 1)
	r := f.do(t, "POST", "/api/v1/enterprises/import", "text/csv", csv, "Accept-Language", "en")
	if r.status != 400 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	var got []string
	for _, x := range r.body["error"].(map[string]any)["issues"].([]any) {
		is := x.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v", is["line"], is["field"]))
	}
	sort.Strings(got)
	want := []string{"3:region_code", "5:credit_tier"}
	if !slices.Equal(got, want) {
		t.Fatalf("issues %v, want %v (%s)", got, want, r.raw)
	}
	// Field-level validation passes; the duplicate is found by the command.
	csv = enterpriseHeader + enterpriseCSVRow(uscc(t, 1)) + enterpriseCSVRow(uscc(t, 2)) + enterpriseCSVRow(uscc(t, 1))
	r = f.do(t, "POST", "/api/v1/enterprises/import", "text/csv", csv, "Accept-Language", "en")
	if r.status != 400 || !strings.Contains(r.raw, `"line":4`) || !strings.Contains(r.raw, "repeats line 2") {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

func TestBadRequestsAreClear4xx(t *testing.T) {
	f := newFixture(t)
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, tc := range []struct {
		name, method, path, ct, body string
		status                       int
		code                         string
	}{
		{"malformed", "POST", "/api/v1/enterprises", "application/json", `{"uscc":`, 400, "json"},
		{"not json", "POST", "/api/v1/enterprises", "application/json", `hello`, 400, "json"},
		{"empty", "POST", "/api/v1/enterprises", "application/json", ``, 400, "json"},
		{"wrong type", "POST", "/api/v1/enterprises", "application/json", `{"uscc":12}`, 400, "invalid_input"},
		{"unknown field", "POST", "/api/v1/enterprises", "application/json", `{"tier":"A"}`, 400, "invalid_input"},
		{"trailing", "POST", "/api/v1/enterprises", "application/json", `{} {}`, 400, "json"},
		{"oversized", "POST", "/api/v1/enterprises", "application/json", big, 413, "body_too_large"},
		{"wrong media type", "POST", "/api/v1/enterprises", "text/plain", `{}`, 415, "content_type"},
		{"csv media type", "POST", "/api/v1/enterprises/import", "application/json", `{}`, 415, "content_type"},
		{"missing fields", "POST", "/api/v1/enterprises", "application/json", `{}`, 400, "invalid_input"},
		{"path mismatch", "PUT", "/api/v1/enterprises/" + uscc(t, 9), "application/json", enterpriseJSON(uscc(t, 8)), 400, "invalid_input"},
		{"bad limit", "GET", "/api/v1/enterprises?limit=-3", "", "", 400, "invalid_input"},
		{"no route", "GET", "/api/v2/nothing", "", "", 404, "not_found"},
		{"update missing", "PUT", "/api/v1/items/NOPE", "application/json", `{"name":"n","legal_basis":"b","department":"d","category":"重点","object_type":"o","content":"c","method":"m"}`, 404, "item_not_found"},
		{"deactivate missing", "POST", "/api/v1/inspectors/X1/deactivate", "application/json", `{"reason":"退休"}`, 404, "inspector_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(t, tc.method, tc.path, tc.ct, tc.body, "Accept-Language", "en")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			e, _ := r.body["error"].(map[string]any)
			if e == nil || e["code"] != tc.code || e["message"] == "" {
				t.Fatalf("body %s, want code %s", r.raw, tc.code)
			}
		})
	}
	if h, _ := f.log.Head(context.Background()); h != 0 {
		t.Fatalf("head = %d after only bad requests", h)
	}
}

func TestMissingFieldsNamedInBothLanguages(t *testing.T) {
	f := newFixture(t)
	en := f.do(t, "POST", "/api/v1/items", "application/json", `{"code":"X 1"}`, "Accept-Language", "en")
	zh := f.do(t, "POST", "/api/v1/items", "application/json", `{"code":"X 1"}`, "Accept-Language", "zh-CN")
	if en.status != 400 || zh.status != 400 {
		t.Fatalf("%d %d", en.status, zh.status)
	}
	if !strings.Contains(en.raw, `"field":"name"`) || !strings.Contains(en.raw, "name is a required field") || !strings.Contains(en.raw, `"field":"code"`) {
		t.Errorf("en: %s", en.raw)
	}
	if !strings.Contains(zh.raw, "name为必填字段") {
		t.Errorf("zh: %s", zh.raw)
	}
}

func TestUnauthorizedAndPublicRoutes(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/api/v1/enterprises", "/api/v1/inspectors", "/api/v1/items"} {
		res, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without token: %d", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/healthz", "/openapi.json", "/metrics"} {
		res, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
}

func TestInspectorLifecycle(t *testing.T) {
	f := newFixture(t)
	ins := `{"id":"INS1","name":"李四","cert_no":"11010012345","department":"市场监管局","region_code":"110101","qualifications":["食品安全","公示信息"]}`
	if r := f.do(t, "POST", "/api/v1/inspectors", "application/json", ins); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	u := uscc(t, 3)
	if r := f.do(t, "POST", "/api/v1/inspectors/INS1/conflicts", "application/json", fmt.Sprintf(`{"uscc":%q,"reason":"亲属任职"}`, u)); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r := f.do(t, "POST", "/api/v1/inspectors/INS1/conflicts", "application/json", fmt.Sprintf(`{"uscc":%q,"reason":"again"}`, u)); r.status != 400 {
		t.Fatalf("repeat conflict: %d %s", r.status, r.raw)
	}
	if r := f.do(t, "POST", "/api/v1/inspectors/INS1/deactivate", "application/json", `{"reason":"调岗"}`); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r := f.do(t, "GET", "/api/v1/inspectors/INS1", "", "")
	if r.status != 200 || r.body["active"] != false || fmt.Sprint(r.body["conflicts"]) != "["+u+"]" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r := f.do(t, "GET", "/api/v1/inspectors?active=false", "", ""); r.body["total"] != 1.0 {
		t.Fatalf("%s", r.raw)
	}
}

func TestItemImportAndPaging(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("code,name,legal_basis,department,category,object_type,content,method,qualification\n")
	for i := range 25 {
		fmt.Fprintf(&b, "SJ-%03d,企业公示信息的抽查,《企业信息公示暂行条例》,市场监管局,一般,企业,公示信息,书面检查,公示信息\n", i)
	}
	if r := f.do(t, "POST", "/api/v1/items/import", "text/csv", b.String()); r.status != 200 || r.body["registered"] != 25.0 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	var seen []string
	after := ""
	for {
		r := f.do(t, "GET", "/api/v1/items?limit=10&after="+after, "", "")
		for _, it := range r.body["items"].([]any) {
			seen = append(seen, it.(map[string]any)["code"].(string))
		}
		next, _ := r.body["next"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != 25 || !slices.IsSorted(seen) || seen[0] != "SJ-000" {
		t.Fatalf("paged %v", seen)
	}
}

// TestOpenAPIMatchesRoutes: every documented operation is served (not 404/405), and every
// served API route is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/openapi.json", "", "")
	if r.status != 200 || r.body["openapi"] != "3.1.0" {
		t.Fatalf("%d", r.status)
	}
	paths := r.body["paths"].(map[string]any)
	ops := 0
	for p, methods := range paths {
		for m := range methods.(map[string]any) {
			ops++
			concrete := strings.NewReplacer("{uscc}", uscc(t, 1), "{code}", "X", "{id}", "X").Replace(p)
			res := f.do(t, strings.ToUpper(m), concrete, "application/json", "{}")
			if res.status == 405 || (res.status == 404 && res.body["error"].(map[string]any)["code"] == "not_found" && !strings.Contains(p, "{")) {
				t.Errorf("%s %s documented but answers %d", m, p, res.status)
			}
		}
	}
	if ops < 20 {
		t.Fatalf("only %d operations documented", ops)
	}
	for _, p := range []string{"/api/v1/enterprises/import", "/api/v1/inspectors/import", "/api/v1/items/import", "/healthz"} {
		if paths[p] == nil {
			t.Errorf("%s not documented", p)
		}
	}
}

// FuzzDecodeJSON: no body ever produces a 5xx, and a refused body appends nothing.
func FuzzDecodeJSON(f *testing.F) {
	fx := newFixture(f)
	for _, s := range []string{`{}`, enterpriseJSON("91110101100000019X"), `{"uscc":1}`, `[`, `{"a":{"b":[1,2,{}]}}`, `null`, `"x"`, `{"active":"yes"}`} {
		f.Add(s)
	}
	paths := []string{"/api/v1/enterprises", "/api/v1/inspectors", "/api/v1/items"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req, _ := http.NewRequest("POST", fx.srv.URL+p, bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Fatalf("%s %q → %d %s", p, body, res.StatusCode, raw)
			}
			if res.StatusCode >= 400 && !json.Valid(raw) {
				t.Fatalf("%s error body is not JSON: %s", p, raw)
			}
		}
	})
}
