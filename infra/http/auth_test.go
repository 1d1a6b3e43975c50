package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/eventlog"
)

// authFixture is the API as serve wires it, with a chosen public rate limit.
type authFixture struct {
	srv *httptest.Server
	log *eventlog.Bolt
}

func newAuthFixture(t *testing.T, rate float64, burst int) *authFixture {
	t.Helper()
	f := newAPIFixture(t, rate, burst)
	return &authFixture{srv: f.srv, log: f.log}
}

// call sends a request with bearer (none if ""); hdr are header name/value pairs.
func (f *authFixture) call(t *testing.T, bearer, method, path, body string, hdr ...string) (resp, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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
	return r, res.Header
}

func (f *authFixture) head(t *testing.T) uint64 {
	t.Helper()
	h, err := f.log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// issue asks the API (as admin) for a token and returns its id and plaintext.
func (f *authFixture) issue(t *testing.T, body string) (id, secret string) {
	t.Helper()
	r, _ := f.call(t, token, "POST", "/api/v1/tokens", body)
	if r.status != http.StatusCreated {
		t.Fatalf("issue %s: %d %s", body, r.status, r.raw)
	}
	id, _ = r.body["id"].(string)
	secret, _ = r.body["token"].(string)
	if id == "" || len(secret) != 64 {
		t.Fatalf("issue: %s", r.raw)
	}
	return id, secret
}

func (f *authFixture) registerInspector(t *testing.T, id string) {
	t.Helper()
	body := `{"id":"` + id + `","name":"李四","cert_no":"11010012345","department":"市场监管局","region_code":"110101","qualifications":["食品安全"]}`
	if r, _ := f.call(t, token, "POST", "/api/v1/inspectors", body); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

func errCode(r resp) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAuthMissingOrInvalidToken401(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	for _, bearer := range []string{"", "not-a-token", strings.Repeat("0", 64)} {
		r, h := f.call(t, bearer, "GET", "/api/v1/directory/counts", "", "Accept-Language", "en")
		if r.status != 401 || errCode(r) != "unauthorized" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("token %q: %d %s %q", bearer, r.status, r.raw, h.Get("WWW-Authenticate"))
		}
		if bearer != "" && !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("token %q: challenge %q", bearer, h.Get("WWW-Authenticate"))
		}
	}
	r, _ := f.call(t, "", "POST", "/api/v1/enterprises", enterpriseJSON(uscc(t, 1)))
	if r.status != 401 || f.head(t) != 0 {
		t.Fatalf("write without token: %d, head %d", r.status, f.head(t))
	}
}

func TestAuthForbiddenAppendsNothing(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	_, reg := f.issue(t, `{"role":"regulator","department":"市场监管局","name":"张三"}`)
	head := f.head(t)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/v1/enterprises", enterpriseJSON(uscc(t, 1))},             // directory writes: admin
		{"POST", "/api/v1/items/import", "code,name\n"},                         // imports: admin
		{"POST", "/api/v1/tokens", `{"role":"regulator","department":"市场监管局"}`}, // tokens: admin
		{"DELETE", "/api/v1/tokens/0123456789abcdef", ""},                       // tokens: admin
		{"PUT", "/api/v1/enterprises/" + uscc(t, 1) + "/tier", `{"credit_tier":"D","tier_set_on":"2026-11-01"}`},
	} {
		for _, lang := range []string{"en", "zh-CN"} {
			r, _ := f.call(t, reg, tc.method, tc.path, tc.body, "Accept-Language", lang)
			msg, _ := r.body["error"].(map[string]any)["message"].(string)
			if r.status != 403 || errCode(r) != "forbidden" || (lang == "en") != strings.Contains(msg, "role") {
				t.Errorf("regulator %s %s (%s): %d %s", tc.method, tc.path, lang, r.status, r.raw)
			}
		}
	}
	if h := f.head(t); h != head {
		t.Fatalf("head %d → %d after refusals", head, h)
	}
}

func TestAuthRegulatorCanUseRegulatorRoutes(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	id, reg := f.issue(t, `{"role":"regulator","department":"市场监管局"}`)
	item := `{"code":"SJ-1","name":"食品生产企业监督检查","legal_basis":"《食品安全法》","department":"市场监管局","category":"重点","object_type":"企业","content":"生产环境","method":"实地检查","qualification":"食品安全"}`
	if r, _ := f.call(t, token, "POST", "/api/v1/items", item); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	for _, p := range []string{"/api/v1/directory/counts", "/api/v1/items", "/api/v1/items/SJ-1", "/api/v1/enterprises", "/api/v1/inspectors", "/api/v1/plans", "/api/v1/me"} {
		if r, _ := f.call(t, reg, "GET", p, ""); r.status != 200 {
			t.Errorf("regulator GET %s: %d %s", p, r.status, r.raw)
		}
	}
	plan := `{"id":"P1","year":2026,"batch":1,"title":"t","lead_department":"市场监管局","items":["SJ-1"],
	  "scope":{"region_prefix":"","mode":"不定向"},"ratios":{"A":"0.01","B":"0.05","C":"0.1","D":"0.3"},
	  "draw_date":"2026-12-01","seed":{"type":"lottery","date":"2026-12-01","description":"福彩3D第2026330期"}}`
	r, _ := f.call(t, reg, "POST", "/api/v1/plans", plan)
	if r.status != 201 {
		t.Fatalf("regulator creates a plan: %d %s", r.status, r.raw)
	}
	// The event names the principal, not a shared "admin".
	var last event.Envelope
	f.log.ReadFrom(context.Background(), f.head(t), func(e event.Envelope) error { last = e; return nil })
	if last.Actor != (event.Actor{ID: id, Role: "regulator"}) {
		t.Fatalf("actor %+v, want %s/regulator", last.Actor, id)
	}
	me, _ := f.call(t, reg, "GET", "/api/v1/me", "")
	if me.body["role"] != "regulator" || me.body["department"] != "市场监管局" || me.body["id"] != id {
		t.Fatalf("me: %s", me.raw)
	}
	// The admin token keeps full access, recorded as admin.
	if r, _ := f.call(t, token, "POST", "/api/v1/enterprises", enterpriseJSON(uscc(t, 1))); r.status != 201 {
		t.Fatalf("admin: %d %s", r.status, r.raw)
	}
	f.log.ReadFrom(context.Background(), f.head(t), func(e event.Envelope) error { last = e; return nil })
	if last.Actor != (event.Actor{ID: "admin", Role: "admin"}) {
		t.Fatalf("admin actor %+v", last.Actor)
	}
}

func TestAuthInspectorCannotCallRegulatorRoutes(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	f.registerInspector(t, "INS000001")
	_, ins := f.issue(t, `{"role":"inspector","inspector_id":"INS000001"}`)
	head := f.head(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/directory/counts", ""},
		{"GET", "/api/v1/enterprises", ""},
		{"GET", "/api/v1/inspectors/INS000001", ""},
		{"GET", "/api/v1/plans", ""},
		{"POST", "/api/v1/plans", `{"id":"P1"}`},
		{"POST", "/api/v1/plans/P1/recusals", `{}`},
		{"GET", "/api/v1/plans/P1/audit", ""},
		{"GET", "/api/v1/tokens", ""},
	} {
		if r, _ := f.call(t, ins, tc.method, tc.path, tc.body); r.status != 403 || errCode(r) != "forbidden" {
			t.Errorf("inspector %s %s: %d %s", tc.method, tc.path, r.status, r.raw)
		}
	}
	if h := f.head(t); h != head {
		t.Fatalf("head %d → %d", head, h)
	}
	me, _ := f.call(t, ins, "GET", "/api/v1/me", "")
	if me.status != 200 || me.body["role"] != "inspector" || me.body["inspector_id"] != "INS000001" {
		t.Fatalf("me: %d %s", me.status, me.raw)
	}
	// Public routes need no token at all.
	if r, _ := f.call(t, "", "GET", "/healthz", ""); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
}

func TestAuthTokenIssueRefusedAppendsNothing(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	for _, tc := range []struct{ body, field string }{
		{`{"role":"inspector","inspector_id":"INS404"}`, "inspector_id"},
		{`{"role":"regulator"}`, "department"},
		{`{"role":"admin"}`, "role"},
		{`{"role":"regulator","department":"d","expires_at":"2001-01-01T00:00:00Z"}`, "expires_at"},
	} {
		r, _ := f.call(t, token, "POST", "/api/v1/tokens", tc.body, "Accept-Language", "en")
		if r.status != 400 || !strings.Contains(r.raw, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s", tc.body, r.status, r.raw)
		}
	}
	if h := f.head(t); h != 0 {
		t.Fatalf("head = %d", h)
	}
}

func TestAuthRevokedToken401(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	id, reg := f.issue(t, `{"role":"regulator","department":"市场监管局","name":"张三"}`)
	if r, _ := f.call(t, reg, "GET", "/api/v1/directory/counts", ""); r.status != 200 {
		t.Fatalf("before revoking: %d %s", r.status, r.raw)
	}
	list, _ := f.call(t, token, "GET", "/api/v1/tokens", "")
	if list.status != 200 || !strings.Contains(list.raw, id) || strings.Contains(list.raw, reg) || !strings.Contains(list.raw, `"status":"active"`) {
		t.Fatalf("list: %d %s", list.status, list.raw)
	}
	if r, _ := f.call(t, token, "DELETE", "/api/v1/tokens/"+id, `{"reason":"调岗"}`); r.status != 200 || r.body["events"] != 1.0 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	r, h := f.call(t, reg, "GET", "/api/v1/directory/counts", "")
	if r.status != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("after revoking: %d %s", r.status, r.raw)
	}
	head := f.head(t)
	if r, _ := f.call(t, token, "DELETE", "/api/v1/tokens/"+id, ""); r.status != 409 || errCode(r) != "token_revoked" {
		t.Fatalf("revoke again: %d %s", r.status, r.raw)
	}
	if r, _ := f.call(t, token, "DELETE", "/api/v1/tokens/0123456789abcdef", ""); r.status != 404 || errCode(r) != "token_not_found" {
		t.Fatalf("revoke unknown: %d %s", r.status, r.raw)
	}
	if f.head(t) != head {
		t.Fatal("a refused revoke appended")
	}
	list, _ = f.call(t, token, "GET", "/api/v1/tokens", "")
	if !strings.Contains(list.raw, `"status":"revoked"`) {
		t.Fatalf("list: %s", list.raw)
	}
}

func TestRateLimitPublicRoutes429(t *testing.T) {
	f := newAuthFixture(t, 0.5, 3)
	for i := range 3 {
		if r, _ := f.call(t, "", "GET", "/healthz", ""); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	for _, lang := range []string{"en", "zh-CN"} {
		r, h := f.call(t, "", "GET", "/healthz", "", "Accept-Language", lang)
		secs, err := strconv.Atoi(h.Get("Retry-After"))
		if r.status != 429 || errCode(r) != "rate_limited" || err != nil || secs < 1 || secs > 2 {
			t.Fatalf("over the limit: %d %s Retry-After %q", r.status, r.raw, h.Get("Retry-After"))
		}
		msg := r.body["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, h.Get("Retry-After")) || (lang == "en") != strings.Contains(msg, "too many requests") {
			t.Errorf("%s message %q", lang, msg)
		}
	}
	// The bucket is per client and per public route set, not for signed-in callers.
	if r, _ := f.call(t, "", "GET", "/public/v1/plans/P1", ""); r.status != 429 {
		t.Fatalf("another public route: %d", r.status)
	}
	for range 10 {
		if r, _ := f.call(t, token, "GET", "/api/v1/directory/counts", ""); r.status != 200 {
			t.Fatalf("API with a token is not rate-limited: %d", r.status)
		}
	}
}

func TestOpenAPIDocumentsRoles(t *testing.T) {
	f := newAuthFixture(t, 0, 0)
	r, _ := f.call(t, "", "GET", "/openapi.json", "")
	paths := r.body["paths"].(map[string]any)
	roles := func(path, method string) []string {
		op, _ := paths[path].(map[string]any)[method].(map[string]any)
		var out []string
		for _, x := range op["x-roles"].([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	for _, tc := range []struct {
		path, method string
		want         []string
	}{
		{"/healthz", "get", []string{"public"}},
		{"/public/v1/plans/{id}", "get", []string{"public"}},
		{"/api/v1/enterprises", "get", []string{"admin", "regulator"}},
		{"/api/v1/enterprises", "post", []string{"admin"}},
		{"/api/v1/enterprises/import", "post", []string{"admin"}},
		{"/api/v1/plans/{id}/draw", "post", []string{"admin", "regulator"}},
		{"/api/v1/tokens", "post", []string{"admin"}},
		{"/api/v1/tokens/{id}", "delete", []string{"admin"}},
		{"/api/v1/me", "get", []string{"admin", "regulator", "inspector"}},
	} {
		if got := roles(tc.path, tc.method); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: x-roles %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
	// With token management wired, every documented operation is still served.
	for p, methods := range paths {
		for m := range methods.(map[string]any) {
			if roles(p, m) == nil {
				t.Errorf("%s %s has no x-roles", m, p)
			}
			concrete := strings.NewReplacer("{uscc}", uscc(t, 1), "{code}", "X", "{id}", "X", "{recusal}", "X").Replace(p)
			if r, _ := f.call(t, token, strings.ToUpper(m), concrete, "{}"); r.status == 405 || r.status == 401 || r.status == 403 {
				t.Errorf("%s %s documented but answers %d", m, p, r.status)
			}
		}
	}
}
