package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/web"
)

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s: contains %q", what, b)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	_, err := web.New(web.Config{})
	if err == nil {
		t.Fatal("empty config accepted")
	}
	for _, want := range []string{"Plans", "Disclosures", "Stats", "Authority"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate does not name %s: %v", want, err)
		}
	}
}

func TestHomeChineseByDefault(t *testing.T) {
	f := newFixture(t)
	st, body, h := f.get(t, "/", "")
	if st != 200 {
		t.Fatalf("GET /: %d", st)
	}
	mustContain(t, "home", body, `<html lang="zh-CN">`, "最新公示", `<label for="q">`, `action="/disclosures"`,
		f.records[0].Enterprise, `href="/plans/`+planID+`"`, `href="/?lang=en"`, ">English<", `href="/stats"`, `href="/reports"`)
	mustNotContain(t, "home", body, draftID) // drafts are not public
	if h.Get("Content-Language") != "zh" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("headers %v", h)
	}
}

func TestEnglish(t *testing.T) {
	f := newFixture(t)
	_, body, _ := f.get(t, "/", "en-GB,en;q=0.9")
	mustContain(t, "Accept-Language en", body, `<html lang="en">`, "Latest results", `href="/?lang=zh"`, ">中文<", `href="/disclosures"`)

	_, body, _ = f.get(t, "/?lang=en", "zh-CN")
	mustContain(t, "?lang=en", body, `<html lang="en">`, "Latest results",
		`href="/disclosures?lang=en"`, `href="/plans/`+planID+`?lang=en"`, `name="lang" value="en"`)
	_, body, _ = f.get(t, "/plans/"+planID+"?lang=en", "")
	mustContain(t, "plan en", body, "Strata commitments", "Drawn enterprises", "Verify this plan&#39;s draw", `href="/plans/`+planID+`?lang=zh"`)
}

func TestDisclosures(t *testing.T) {
	f := newFixture(t)
	r := f.records[1]
	_, body, _ := f.get(t, "/disclosures?q="+url.QueryEscape(r.Enterprise), "")
	mustContain(t, "by name", body, r.Enterprise, r.USCC, "发现问题已责令改正", "共 1 条结果")

	_, body, _ = f.get(t, "/disclosures?q="+strings.ToLower(r.USCC), "")
	mustContain(t, "by lower-case USCC", body, r.Enterprise, "共 1 条结果", `value="`+r.USCC+`"`)

	_, body, _ = f.get(t, "/disclosures?result="+url.QueryEscape("通过登记的住所（经营场所）无法联系")+"&lang=en", "")
	mustContain(t, "by result", body, "Cannot be reached at the registered address", `selected>Cannot be reached`)
	mustNotContain(t, "by result", body, `<span class="result-problem">Problem found; ordered to correct</span>`)

	_, body, _ = f.get(t, "/disclosures?from=2026-12-07&to=2026-12-07", "")
	mustContain(t, "by date", body, "2026-12-07")
	mustNotContain(t, "by date", body, "2026-12-08")

	// Paging: the cursor link keeps the filters and reaches every record once.
	seen := map[string]bool{}
	next := "/disclosures?limit=4&authority=" + url.QueryEscape("消防")
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		st, body, _ := f.get(t, next, "")
		if st != 200 {
			t.Fatalf("%s: %d", next, st)
		}
		for _, rec := range f.records {
			if strings.Contains(body, `<td class="mono nowrap">`+rec.USCC+`</td>`) {
				if seen[rec.USCC] {
					t.Fatalf("%s listed twice", rec.USCC)
				}
				seen[rec.USCC] = true
			}
		}
		next = ""
		if i := strings.Index(body, `rel="next" href="`); i >= 0 {
			rest := body[i+len(`rel="next" href="`):]
			next = strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&")
			if !strings.Contains(next, "limit=4") || !strings.Contains(next, "authority=") {
				t.Fatalf("next link lost the filters: %s", next)
			}
		}
	}
	if len(seen) != len(f.records) {
		t.Errorf("paging reached %d of %d records", len(seen), len(f.records))
	}
}

func TestEnterprise(t *testing.T) {
	f := newFixture(t)
	r := f.records[1]
	st, body, _ := f.get(t, "/enterprises/"+r.USCC, "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "enterprise", body, "<h1>"+r.Enterprise+"</h1>", r.USCC, "440104", "越秀区", r.InspectedOn, "未按规定公示应当公示的信息", "抽查记录")
}

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{
		"/plans/nope":                "未找到该抽查计划",
		"/plans/" + draftID:          "未找到该抽查计划", // drafts are not public
		"/plans/nope/verify":         "未找到该抽查计划",
		"/enterprises/" + uscc(9999): "未找到该企业已公示的抽查结果", // valid, but nothing published
		"/nowhere":                   "页面不存在",
		"/reports?plan=nope":         "未找到该抽查计划",
	} {
		st, body, _ := f.get(t, path, "")
		if st != 404 {
			t.Errorf("%s: %d", path, st)
		}
		mustContain(t, path, body, want, `<html lang="zh-CN">`, "?lang=en")
	}
	if st, css, h := f.get(t, "/static/site.css", ""); st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(css, "@media print") {
		t.Errorf("stylesheet: %d %s", st, h.Get("Content-Type"))
	}
	for _, p := range []string{"/static/", "/static/nope.css"} {
		if st, _, _ := f.get(t, p, ""); st != 404 {
			t.Errorf("%s: %d", p, st)
		}
	}
	st, body, _ := f.get(t, "/plans/nope?lang=en", "")
	if st != 404 || !strings.Contains(body, "No such plan") {
		t.Errorf("English 404: %d", st)
	}
}

func TestBadParameters(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ path, lang, want string }{
		{"/disclosures?from=2026-13-01", "", "检查日期（起）必须是日期，格式为2006-01-02"},
		{"/disclosures?from=2026-13-01", "en", "Inspected from must be a date in the form 2006-01-02"},
		{"/disclosures?from=2026-12-09&to=2026-12-01", "", "检查日期（止）不能早于检查日期（起）2026-12-09"},
		{"/disclosures?limit=0", "", "每页条数必须是1到100之间的整数"},
		{"/disclosures?result=bad", "", "检查结果必须是["},
		{"/disclosures?q=" + strings.Repeat("企", 101), "", "长度不能超过100个字符"},
		{"/enterprises/91440103MA59C3XU0X", "", "统一社会信用代码"},
		{"/enterprises/123", "en", "a unified social credit code has 18 characters"},
		{"/stats?group=credit_tier", "", "统计维度必须是[department region item]中的一个"},
		{"/stats?period=week&lang=en", "", "Period must be one of [month quarter year]"},
		{"/reports?period=2026-Q5", "", "期间格式应为年（2026）、季度（2026-Q4）或月（2026-11）"},
		{"/reports?period=2026-13", "en", "Period must be a year (2026), a quarter (2026-Q4) or a month (2026-11)"},
		{"/reports?period=2026&format=pdf", "", "格式必须是[html csv]中的一个"},
		{"/reports?plan=" + planID + "&period=2026", "", "不能同时选择"},
		{"/?lang=fr", "", "语言必须是[zh en]中的一个"},
		{"/disclosures?q=%ff", "", "不是有效的UTF-8文本"},
		{"/enterprises/%ff", "", "统一社会信用代码"},
	} {
		st, body, _ := f.get(t, c.path, c.lang)
		if st != 400 {
			t.Errorf("%s: %d", c.path, st)
			continue
		}
		mustContain(t, c.path, body, c.want)
	}
}

func TestPlanPage(t *testing.T) {
	f := newFixture(t)
	st, body, _ := f.get(t, "/plans/"+planID, "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "plan", body, "2026年广州市越秀区第一批双随机抽查", "市场监管局", "消防救援支队", "企业公示信息检查", "消防安全检查",
		"中国福利彩票双色球第2026140期", "9319", "2 5 12 8 10", "2026-12-01 10:00:00", "2026-12-05 21:40:00", "RFC3797",
		`href="/plans/`+planID+`/verify"`)
	pub := f.audit
	for _, s := range pub.Strata {
		mustContain(t, "stratum "+s.Label, body, "<th scope=\"row\">"+s.Label+"</th>", s.PoolSHA256, ">"+s.Ratio.String()+"<")
	}
	for _, u := range f.drawn {
		mustContain(t, "drawn", body, ">"+u+"<")
	}
	mustNotContain(t, "plan", body, f.notDrawn...)
	// The tier ratios of the spec would give the label→tier map away: only per-stratum ratios.
	mustNotContain(t, "plan", body, "0.05</td><td>0.1", "A类", "credit_tier", "cap:")
}

func TestVerifyDrandNotDrawn(t *testing.T) {
	f := newFixture(t)
	st, body, _ := f.get(t, "/plans/"+drandID+"/verify", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "drand", body, "随机数来自公告指定的 drand 轮次</th><td class=\"ok\">", "抽取名单户数等于各层抽取数之和</th><td class=\"pending\">", "尚未抽取")
	_, body, _ = f.get(t, "/plans/"+drandID, "")
	mustContain(t, "drand plan", body, "drand 公共随机信标", "2026-12-10 12:00:0", "尚未抽取")
}

func TestVerifyPublicChecks(t *testing.T) {
	f := newFixture(t)
	st, body, _ := f.get(t, "/plans/"+planID+"/verify", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "verify", body, "公告在随机种子产生之前", "随机种子在公告之后公布", "已能核验的项目全部通过", "⌈", "需要各层的完整名录",
		`enctype="multipart/form-data"`, `<label for="export">`)
	mustNotContain(t, "verify", body, "未通过</td>")
	_, body, _ = f.get(t, "/plans/"+planID+"/verify?lang=en", "")
	mustContain(t, "verify en", body, "Seed revealed after the announcement", "Every check that can be made so far passes", "needs every stratum&#39;s pool")
}

// upload posts an export to the verify page.
func (f *fixture) upload(t *testing.T, id string, export []byte, lang string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("export", "audit.json")
	fw.Write(export)
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/plans/"+id+"/verify?lang="+lang, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestVerifyUploadMatch(t *testing.T) {
	f := newFixture(t)
	export, _ := json.Marshal(f.audit)
	st, body := f.upload(t, planID, export, "zh")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "match", body, `<h2 id="verdict">一致</h2>`, "verdict-match")
	mustNotContain(t, "match", body, "不一致")
	mustNotContain(t, "match", body, f.notDrawn...)
	mustNotContain(t, "match", body, inspectorNames...)
	mustNotContain(t, "match", body, "INS0", certNo(1))
	_, body = f.upload(t, planID, export, "en")
	mustContain(t, "match en", body, `<h2 id="verdict">Match</h2>`)
}

func TestVerifyUploadMismatch(t *testing.T) {
	f := newFixture(t)
	var a plan.AuditData
	raw, _ := json.Marshal(f.audit)
	json.Unmarshal(raw, &a) // a deep copy
	s2 := &a.Strata[1]
	swapped := ""
	for _, u := range s2.Pool {
		if u != s2.Drawn[0] && !slices.Contains(s2.Drawn, u) {
			swapped = u
			break
		}
	}
	s2.Drawn[0] = swapped
	export, _ := json.Marshal(a)
	st, body := f.upload(t, planID, export, "zh")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "mismatch", body, `<h2 id="verdict">不一致</h2>`,
		// recomputation: S2 pick 0 differs; against the published list: the export's S2[0] is not drawn.
		`<td class="mono">S2</td><td class="mono nowrap">drawn</td><td class="num">0</td><td>按种子重新抽取，该位置抽中的企业与导出文件不同</td>`,
		`<td class="mono">S2</td><td class="mono nowrap">drawn</td><td class="num">0</td><td>抽取名单与公布的不同`,
		f.audit.Strata[1].Drawn[0], // the published one missing from the export is public
	)
	mustNotContain(t, "mismatch", body, swapped) // a pool member is never echoed
	mustNotContain(t, "mismatch", body, inspectorNames...)

	// A changed commitment is named with both values (both are commitments, not pools).
	a.Strata[0].PoolSHA256 = strings.Repeat("0", 64)
	export, _ = json.Marshal(a)
	_, body = f.upload(t, planID, export, "en")
	mustContain(t, "commitment", body, "Mismatch", "pool_sha256", strings.Repeat("0", 64), f.audit.Strata[0].PoolSHA256,
		"the pool commitment differs from the published one")

	// Another plan's export.
	a = f.audit
	a.Plan = "other"
	export, _ = json.Marshal(a)
	_, body = f.upload(t, planID, export, "zh")
	mustContain(t, "other plan", body, "不一致", "导出文件属于另一个计划")
}

func TestVerifyUploadErrors(t *testing.T) {
	f := newFixture(t)
	st, body := f.upload(t, planID, []byte("{not json"), "zh")
	if st != 400 || !strings.Contains(body, "不是有效的审计导出JSON") {
		t.Errorf("bad JSON: %d", st)
	}
	st, body = f.upload(t, planID, nil, "en")
	if st != 400 || !strings.Contains(body, "The uploaded file is empty") {
		t.Errorf("empty: %d", st)
	}
	res, err := http.Post(f.srv.URL+"/plans/"+planID+"/verify", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("not multipart: %d", res.StatusCode)
	}
	// A nonsense export that decodes: recomputed and reported, never a 500.
	st, body = f.upload(t, planID, []byte(`{"strata":[{"label":"S1","pool_size":-1,"count":99,"ratio":"1","pool":["b","a"],"drawn":["x"]}],"assignment":{"team_size":-3,"roster":[]},"tasks":[{"task":{"id":"t"}}]}`), "zh")
	if st != 200 || !strings.Contains(body, "不一致") {
		t.Errorf("nonsense export: %d", st)
	}

	st, body = f.upload(t, planID, []byte(`{"strata":[{"ratio":"2"}]}`), "en")
	if st != 400 || !strings.Contains(body, "above 1") {
		t.Errorf("ratio above 1: %d", st)
	}

	// Over the limit: 413 with a clear message, streamed (never held in memory).
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("export", "big.json")
		fw.Write([]byte(`{"plan":"`))
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for range web.MaxUpload>>20 + 1 {
			if _, err := fw.Write(chunk); err != nil {
				break
			}
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", f.srv.URL+"/plans/"+planID+"/verify", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe)
	if res.StatusCode != 413 || !strings.Contains(string(b), "上传的文件超过 64 MiB 上限") {
		t.Errorf("too large: %d", res.StatusCode)
	}
}

func TestStats(t *testing.T) {
	f := newFixture(t)
	st, body, _ := f.get(t, "/stats", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "stats", body, "<svg", `role="img"`, "按部门：完成率与问题发现率", "各期完成率与问题发现率", "市场监管局", "消防救援支队",
		"2026-12", "81.8%", // 9 of 11 drawn published
		"完成率 = 公示数 ÷ 抽取数",
		"<dt>抽取数</dt><dd>11</dd>") // totals by region: a joint task counted once, not for each department
	_, body, _ = f.get(t, "/stats?group=region&period=year&lang=en", "")
	mustContain(t, "stats region", body, "440000 广东省", "By Region", ">2026<", "Completion rate")
	mustNotContain(t, "stats", body, "<script")
}

func TestReports(t *testing.T) {
	f := newFixture(t)
	st, body, _ := f.get(t, "/reports", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "index", body, "2027年1月", "2026年第四季度", "2026年度", `href="/reports?plan=`+planID+`"`, `<label for="period">`)

	st, body, _ = f.get(t, "/reports?period=2026-12", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "month", body, "广州市越秀区市场监督管理局", "2026年12月双随机抽查结果公示报告", "2027年1月10日",
		"<th scope=\"row\">市场监管局</th><td class=\"num\">11</td><td class=\"num\">10</td><td class=\"num\">9</td><td class=\"num\">8</td><td class=\"num\">4</td><td class=\"num\">1</td><td class=\"num\">81.8%</td>",
		"<th scope=\"row\">合计</th><td class=\"num\">11</td>", // by region: a joint task counted once
		"未按规定公示应当公示的信息", "下载 CSV", `href="/reports?format=csv&amp;period=2026-12"`)

	st, body, _ = f.get(t, "/reports?period=2026-Q4&authority="+url.QueryEscape("消防救援支队")+"&lang=en", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "quarter", body, "Random inspection disclosure report, Q4 2026", "10 January 2027", "Inspecting authority: 消防救援支队")
	mustNotContain(t, "quarter", body, "<th scope=\"row\">市场监管局</th>")

	st, body, _ = f.get(t, "/reports?plan="+planID, "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	mustContain(t, "plan", body, "2026年广州市越秀区第一批双随机抽查抽查结果公示报告",
		"<td class=\"num\">"+strconv.Itoa(len(f.drawn))+"</td><td class=\"num\">—</td><td class=\"num\">"+strconv.Itoa(len(f.records))+"</td>")
}

func TestReportCSV(t *testing.T) {
	f := newFixture(t)
	st, body, h := f.get(t, "/reports?period=2026-12&format=csv", "")
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	if !strings.HasPrefix(body, "\ufeff报告,检查机关,抽取数,检查数,公示数,按时公示数,发现问题数,逾期未公示数,完成率\r\n") {
		t.Errorf("CSV head %q", body[:min(len(body), 120)])
	}
	if ct := h.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %s", ct)
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "report-2026-12.csv") {
		t.Errorf("Content-Disposition %s", cd)
	}
	mustContain(t, "csv", body, "2026年12月,市场监管局,11,10,9,8,4,1,81.8%\r\n", "2026年12月,合计,11,10,9,8,4,1,81.8%\r\n",
		"未发现问题,5\r\n", "发现问题已责令改正,2\r\n",
		"发布机关,广州市越秀区市场监督管理局\r\n", "发布日期,2027年1月10日\r\n")

	_, body, _ = f.get(t, "/reports?plan="+planID+"&format=csv&lang=en", "")
	if !strings.HasPrefix(body, "\ufeffReport,Authority,Drawn,Inspected,Published,") {
		t.Errorf("plan CSV head %q", body[:min(len(body), 80)])
	}
	mustContain(t, "plan csv", body, "No problem found,")
}
