package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/choucha/choucha/domain/plan"
)

// TestBrowser drives the site with headless Chromium (Debian's chromium package; `make
// browser-deps`, run by `make test`, installs it when missing) against a real `choucha serve`
// child process on generated demo data: the public search; then, through the pages alone, a
// regulator creating, announcing, seeding, drawing and assigning a plan, an inspector recording
// a result (first with a validation error), the regulator returning it with a reason, the
// inspector fixing it, the regulator approving and publishing it, and the public finding it by
// USCC. Only the tokens come from the API (the admin issues them). A full-page screenshot of
// every key step is saved under $CHOUCHA_ARTIFACTS (default REPO/.artifacts/browser/).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a real serve process and a browser")
	}
	began := time.Now()
	chromium := chromiumPath(t)

	src, data := t.TempDir(), t.TempDir()
	if code, _, e := runCLI(t, "gen", "--enterprises", "3000", "--inspectors", "120", "--items", "12", "--seed", "11", "--out", src); code != 0 {
		t.Fatal(e)
	}
	for _, kind := range []string{"items", "inspectors", "enterprises"} {
		if code, _, e := runCLI(t, "import", kind, filepath.Join(src, kind+".csv"), "--data", data, "--quiet"); code != 0 {
			t.Fatal(e)
		}
	}
	srv := startServe(t, data)
	defer srv.stop(t)
	admin := apiClient{t: t, url: srv.url, token: readToken(t, data)}
	t.Logf("demo data imported and serve started in %s", time.Since(began).Round(time.Millisecond))

	b := newBrowser(t, chromium)
	defer b.close()

	t.Run("public search", func(t *testing.T) {
		b.t = t
		uscc := publishViaAPI(t, admin, srv.url, "P2026-90")
		b.step("public-home", 10*time.Second,
			chromedp.Navigate(srv.url+"/"),
			chromedp.WaitVisible(chromedp.ID("q")),
		)
		b.step("public-search-results", 10*time.Second,
			chromedp.SendKeys(chromedp.ID("q"), uscc),
			chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
			chromedp.WaitVisible(cellXPath(uscc)),
		)
		if loc := get(b, 5*time.Second, chromedp.Location()); !strings.Contains(loc, "/disclosures?") || !strings.Contains(loc, "q="+uscc) {
			t.Errorf("the search went to %s", loc)
		}
		row := get(b, 5*time.Second, chromedp.Text(cellXPath(uscc)+`/..`))
		if !strings.Contains(row, "未发现问题") {
			t.Errorf("the result row of %s reads %q", uscc, row)
		}
	})
	b.t = t

	// Through the desk pages alone, as new users would; only the tokens come from the admin
	// through the API (issuing them is the admin's job).
	desk := &deskFlow{b: b, admin: admin, url: srv.url,
		regulator: issueToken(t, admin, srv.url, map[string]any{"role": "regulator", "department": "市场监管局"}).Token}
	if t.Run("regulator creates and draws a plan", desk.createAndDraw) &&
		t.Run("inspector records a result with a validation error", desk.recordResult) {
		t.Run("review returns, inspector fixes, regulator approves and publishes", desk.reviewAndPublish)
	}
	b.t = t
	t.Logf("TestBrowser took %s", time.Since(began).Round(time.Millisecond))
}

// deskFlow is the state the desk subtests hand on: the plan, the task, its inspector.
type deskFlow struct {
	b         *browser
	admin     apiClient
	url       string
	regulator string // tokens
	inspector string
	plan      string
	task      string
	uscc      string
	member    string
}

const (
	returnReason = "请补充检查方式：书面检查材料"
	noProblem    = "未发现问题"
	corrected    = "发现问题已责令改正"
)

// login signs in through /login with a pasted token and lands on the desk.
func (d *deskFlow) login(step, token, who string) {
	b := d.b
	b.t.Helper()
	b.step(step, 10*time.Second,
		chromedp.Navigate(d.url+"/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("task-counts")),
	)
	if user := get(b, 5*time.Second, chromedp.Text(chromedp.ID("nav-user"))); !strings.Contains(user, who) {
		b.t.Errorf("signed in as %q, want %s", user, who)
	}
}

func (d *deskFlow) logout(step string) {
	d.b.t.Helper()
	d.b.step(step, 10*time.Second,
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
}

// fill replaces a text field's value by typing.
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Clear(chromedp.ID(sel)), chromedp.SendKeys(chromedp.ID(sel), value))
}

// box is a checkbox of a form by name and value.
func box(name, value string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, name, value))
}

// flashSays waits for the flash message of a finished step (the page after the redirect).
func flashSays(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(fmt.Sprintf(`//p[@id='flash'][contains(., %q)]`, text))
}

// createAndDraw: the regulator signs in, fills the plan wizard (a drand round a few seconds
// ahead), announces, waits for the round, reveals the seed, draws and assigns the teams, then
// opens the first task to see who was assigned.
func (d *deskFlow) createAndDraw(t *testing.T) {
	b := d.b
	b.t, d.admin.t = t, t
	d.login("regulator-login", d.regulator, "市场监管局")
	b.step("plan-wizard", 10*time.Second,
		chromedp.Click(chromedp.ID("new-plan")),
		chromedp.WaitVisible(chromedp.ID("plan-form")),
	)
	// The seed: a drand round published a few seconds from now, after the announcement.
	round := nextRound(8 * time.Second)
	d.plan = "2026-SC-01"
	// The regulator's own department's first 重点 item.
	firstImportant := `//fieldset[@id='items']/fieldset[1]//label[span[contains(@class,'tag') and not(contains(@class,'tag-general'))]]/input`
	b.step("plan-wizard-filled", 10*time.Second,
		fill("id", d.plan),
		fill("batch", "2"),
		fill("title", "2026年第二批双随机抽查（浏览器测试）"),
		chromedp.Click(firstImportant),
		chromedp.Click(chromedp.ID("mode-untargeted")),
		fill("ratio_a", "0.01"), fill("ratio_b", "0.01"), fill("ratio_c", "0.02"), fill("ratio_d", "0.05"),
		chromedp.Click(chromedp.ID("seed-drand")),
		fill("seed_round", fmt.Sprint(round)),
		// Drawn today, as soon as the round is out (the wizard proposes tomorrow); a date
		// field is set, not typed: what typing means depends on the browser's locale.
		chromedp.SetValue(chromedp.ID("draw_date"), plan.DrandRoundTime(round).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")),
	)
	b.step("plan-created", 10*time.Second,
		chromedp.Click(chromedp.ID("create-plan")),
		flashSays("抽查计划已创建"),
		chromedp.WaitVisible(chromedp.ID("announce")),
	)
	if id := get(b, 5*time.Second, chromedp.Text(chromedp.ID("plan-id"))); id != d.plan {
		t.Fatalf("the plan page shows %q", id)
	}
	b.step("plan-announced", 10*time.Second,
		chromedp.Click(chromedp.ID("announce")),
		flashSays("计划已公告"),
		chromedp.WaitVisible(chromedp.ID("reveal-form")),
	)
	wait := time.Until(plan.DrandRoundTime(round)) + 300*time.Millisecond
	t.Logf("waiting %s for drand round %d", wait.Round(time.Millisecond), round)
	time.Sleep(wait)
	b.step("plan-seed-revealed", 10*time.Second,
		fill("randomness", "6a2ee2b1c8b3b6f4e2a7d9c0f1e3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9"),
		chromedp.Click(chromedp.ID("reveal")),
		flashSays("随机种子已公布"),
		chromedp.WaitVisible(chromedp.ID("draw")),
	)
	b.step("plan-drawn", 15*time.Second,
		chromedp.Click(chromedp.ID("draw")),
		flashSays("检查对象已抽取"),
		chromedp.WaitVisible(chromedp.ID("assign")),
	)
	b.step("plan-assigned", 15*time.Second,
		chromedp.Click(chromedp.ID("assign")),
		flashSays("执法检查人员已选派"),
		chromedp.WaitVisible(chromedp.ID("plan-done")),
	)
	t.Logf("plan %s: %s drawn, tasks: %s", d.plan, get(b, 5*time.Second, chromedp.Text(chromedp.ID("plan-drawn"))),
		get(b, 5*time.Second, chromedp.Text(chromedp.ID("plan-task-count"))))
	b.step("plan-tasks", 10*time.Second,
		chromedp.Click(chromedp.ID("plan-tasks")),
		chromedp.WaitVisible(chromedp.ID("tasks")),
	)
	b.step("regulator-task", 10*time.Second,
		chromedp.Click(chromedp.CSS(`#tasks a.task-link`)),
		chromedp.WaitVisible(chromedp.ID("team")),
	)
	d.task = get(b, 5*time.Second, chromedp.Text(chromedp.ID("task-id")))
	d.uscc = get(b, 5*time.Second, chromedp.Text(chromedp.ID("task-uscc")))
	d.member = get(b, 5*time.Second, chromedp.AttributeValue(chromedp.CSS(`#team li.member`), "data-inspector")).Value
	if d.task == "" || d.uscc == "" || d.member == "" {
		t.Fatalf("task %q, USCC %q, inspector %q", d.task, d.uscc, d.member)
	}
	t.Logf("task %s (%s), first team member %s", d.task, d.uscc, d.member)
	// The admin issues the assigned inspector a token.
	d.inspector = issueToken(t, d.admin, d.url, map[string]any{"role": "inspector", "inspector_id": d.member}).Token
	d.logout("regulator-logout")
}

// openTask goes from the desk to the task through the task list.
func (d *deskFlow) openTask(step string) {
	d.b.t.Helper()
	d.b.step(step, 10*time.Second,
		chromedp.Click(chromedp.ID("all-tasks")),
		chromedp.WaitVisible(chromedp.ID("tasks")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[id=%q] a.task-link`, "task-"+d.task))),
		chromedp.WaitVisible(chromedp.ID("task-facts")),
	)
	if id := get(d.b, 5*time.Second, chromedp.Text(chromedp.ID("task-id"))); id != d.task {
		d.b.t.Fatalf("opened task %q, want %s", id, d.task)
	}
}

// recordResult: the inspector ticks 未发现问题 together with 发现问题已责令改正, sees the inline
// error (nothing written), unticks the contradiction and records the result.
func (d *deskFlow) recordResult(t *testing.T) {
	b := d.b
	b.t, d.admin.t = t, t
	d.login("inspector-login", d.inspector, d.member)
	d.openTask("inspector-task")
	b.step("result-contradictory", 10*time.Second,
		chromedp.Click(box("check_methods", "实地检查")),
		chromedp.Click(box("results", noProblem)),
		chromedp.Click(box("results", corrected)),
		chromedp.Click(chromedp.ID("record-result")),
		chromedp.WaitVisible(chromedp.ID("results-error")),
		chromedp.WaitVisible(chromedp.ID("error-summary")),
	)
	msg := get(b, 5*time.Second, chromedp.Text(chromedp.ID("results-error")))
	if !strings.Contains(msg, noProblem) || !strings.Contains(msg, corrected) {
		t.Errorf("the inline error reads %q", msg)
	}
	if inv := get(b, 5*time.Second, chromedp.AttributeValue(chromedp.CSS(`fieldset.results`), "aria-invalid")); inv.Value != "true" {
		t.Errorf("the results fieldset is not marked invalid: %+v", inv)
	}
	if st := get(b, 5*time.Second, chromedp.AttributeValue(chromedp.ID("task-status"), "data-status")).Value; st != "assigned" {
		t.Errorf("after a refused result the task is %q", st)
	}
	t.Logf("inline error: %s", msg)
	b.step("result-recorded", 10*time.Second,
		chromedp.Click(box("results", corrected)), // untick: the form kept what was submitted
		chromedp.Click(chromedp.ID("record-result")),
		flashSays("检查结果已提交"),
		chromedp.WaitVisible(chromedp.CSS(`#task-status[data-status="recorded"]`)),
	)
	d.logout("inspector-logout")
}

// reviewAndPublish: the regulator returns the result from the review queue with a reason; the
// inspector sees the reason and records again; the regulator approves and publishes; the
// public finds it on /disclosures by USCC.
func (d *deskFlow) reviewAndPublish(t *testing.T) {
	b := d.b
	b.t, d.admin.t = t, t
	taskLink := chromedp.CSS(fmt.Sprintf(`tr[id=%q] a.task-link`, "task-"+d.task))
	d.login("review-login", d.regulator, "市场监管局")
	b.step("review-queue", 10*time.Second,
		chromedp.Click(chromedp.ID("review-queue")),
		chromedp.WaitVisible(taskLink),
	)
	b.step("review-returned", 10*time.Second,
		chromedp.Click(taskLink),
		chromedp.WaitVisible(chromedp.ID("return-form")),
		chromedp.SendKeys(chromedp.ID("reason"), returnReason),
		chromedp.Click(chromedp.ID("return-result")),
		flashSays("检查结果已退回"),
		chromedp.WaitVisible(chromedp.CSS(`#task-status[data-status="returned"]`)),
	)
	d.logout("review-logout")

	d.login("fix-login", d.inspector, d.member)
	d.openTask("fix-task")
	if reason := get(b, 5*time.Second, chromedp.Text(chromedp.ID("return-reason"))); !strings.Contains(reason, returnReason) {
		t.Errorf("the inspector sees %q, not the reason", reason)
	}
	b.step("fix-recorded", 10*time.Second,
		chromedp.Click(box("check_methods", "书面检查")), // the returned result comes back filled in
		chromedp.Click(chromedp.ID("record-result")),
		flashSays("检查结果已提交"),
		chromedp.WaitVisible(chromedp.CSS(`#task-status[data-status="recorded"]`)),
	)
	if methods := get(b, 5*time.Second, chromedp.Text(chromedp.ID("task-result"))); !strings.Contains(methods, "实地检查") || !strings.Contains(methods, "书面检查") {
		t.Errorf("the recorded result reads %q", methods)
	}
	d.logout("fix-logout")

	d.login("approve-login", d.regulator, "市场监管局")
	b.step("approve-queue", 10*time.Second,
		chromedp.Click(chromedp.ID("review-queue")),
		chromedp.WaitVisible(taskLink),
	)
	b.step("approved", 10*time.Second,
		chromedp.Click(taskLink),
		chromedp.WaitVisible(chromedp.ID("approve-form")),
		chromedp.Click(chromedp.ID("approve-result")),
		flashSays("检查结果已审核通过"),
		chromedp.WaitVisible(chromedp.ID("publish-result")),
	)
	b.step("published", 10*time.Second,
		chromedp.Click(chromedp.ID("publish-result")),
		flashSays("检查结果已公示"),
		chromedp.WaitVisible(chromedp.CSS(`#task-status[data-status="published"]`)),
	)
	d.logout("publish-logout")

	b.step("public-disclosures", 10*time.Second,
		chromedp.Navigate(d.url+"/disclosures"),
		chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
	)
	b.step("public-disclosure-found", 10*time.Second,
		chromedp.SendKeys(chromedp.ID("q"), d.uscc),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		// The unfiltered list shows the row too: wait for the page of the search itself.
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`input#q[value=%q]`, d.uscc))),
		chromedp.WaitVisible(cellXPath(d.uscc)),
	)
	if n := get(b, 5*time.Second, chromedp.Evaluate[int](`document.querySelectorAll("table.data tbody tr").length`)); n != 1 {
		t.Errorf("the search by USCC shows %d rows", n)
	}
	row := get(b, 5*time.Second, chromedp.Text(cellXPath(d.uscc)+`/..`))
	if !strings.Contains(row, noProblem) || strings.Contains(row, d.member) {
		t.Errorf("the public row of %s reads %q", d.uscc, row)
	}
}

// cellXPath finds a table cell whose whole text is s (a plain string selector is a DOM search,
// which takes XPath).
func cellXPath(s string) string {
	return fmt.Sprintf(`//table//td[normalize-space()=%q]`, s)
}

// chromiumPath finds Debian's chromium; without it the test fails (never a silent skip).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("Chromium is not installed: run `make browser-deps` (apt-get install chromium fonts-noto-cjk), or `go test -short` to leave out the browser test")
	return ""
}

// artifactsDir is $CHOUCHA_ARTIFACTS or REPO/.artifacts/browser.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CHOUCHA_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		root := wd
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			up := filepath.Dir(root)
			if up == root {
				root = wd
				break
			}
			root = up
		}
		dir = filepath.Join(root, ".artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The screenshots of an earlier run (this test's names only: NN-step.png).
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return dir
}

// browser is one headless Chromium with one tab; step runs actions under a deadline and
// saves a full-page screenshot named after the step.
type browser struct {
	t       *testing.T
	ctx     context.Context
	cancel  func()
	dir     string
	n       int
	console *lockedBuffer // Chromium's own output and chromedp's errors, shown on failure
}

func newBrowser(t *testing.T, chromium string) *browser {
	t.Helper()
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root here
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("accept-lang", "zh-CN,zh"), // the site's default language, asked for
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(f string, a ...any) { fmt.Fprintf(out, "chromedp: "+f+"\n", a...) }))
	b := &browser{t: t, ctx: ctx, dir: artifactsDir(t), console: out}
	b.cancel = func() { cancel(); acancel() }
	start := time.Now()
	// The first Do starts the browser and binds it to its context: no deadline on that one,
	// a timer instead.
	timer := time.AfterFunc(30*time.Second, cancel)
	err := chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		b.close()
		t.Fatalf("start %s: %v\n%s", chromium, err, out.String())
	}
	t.Logf("chromium started in %s; screenshots go to %s", time.Since(start).Round(time.Millisecond), b.dir)
	return b
}

func (b *browser) close() {
	if b.t.Failed() {
		var keep []string
		for _, l := range strings.Split(b.console.String(), "\n") {
			if !strings.Contains(l, "dbus") && strings.TrimSpace(l) != "" {
				keep = append(keep, l)
			}
		}
		b.t.Logf("browser output (without the dbus noise):\n%s", strings.Join(keep[max(0, len(keep)-60):], "\n"))
	}
	b.cancel()
}

// get runs one action under a deadline and returns its value; on failure it saves a
// screenshot and stops the test.
func get[T any](b *browser, timeout time.Duration, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%v (deadline %s); %s", err, timeout, b.shot("FAILED"))
	}
	return v
}

// step runs actions under a deadline, then saves a full-page screenshot named after the step.
func (b *browser) step(name string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("step %s: %v (after %s); %s%s", name, err, time.Since(start).Round(time.Millisecond), b.shot(name+"-FAILED"), b.pageErrors())
	}
	took := time.Since(start)
	b.t.Logf("step %-28s %6s  %s", name, took.Round(time.Millisecond), b.shot(name))
}

// pageErrors is the text of the page's error summary or error page, if it shows one.
func (b *browser) pageErrors() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#error-summary, .error, main") || {}).innerText || ""`))
	if err != nil || strings.TrimSpace(text) == "" {
		return ""
	}
	if len(text) > 600 {
		text = text[:600] + "…"
	}
	return "; the page says: " + strings.Join(strings.Fields(text), " ")
}

// shot saves a full-page PNG and says where (or why not).
func (b *browser) shot(name string) string {
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG (below: JPEG)
	if err != nil {
		return "no screenshot: " + err.Error()
	}
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "no screenshot: " + err.Error()
	}
	return "screenshot " + path
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// nextRound is a drand quicknet round published between lead−3 s and lead from now: the
// pools are committed (the plan announced) before it exists.
func nextRound(lead time.Duration) uint64 {
	return uint64((time.Now().Add(lead).Unix()-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
}

// publishViaAPI makes one published disclosure through the JSON API (a plan drawn and
// assigned, a result recorded by a team member, approved and published by the department's
// regulator) and returns its enterprise's USCC.
func publishViaAPI(t *testing.T, admin apiClient, url, id string) string {
	t.Helper()
	admin.t = t
	start := time.Now()
	code := importantItem(t, admin, "市场监管局")
	round := nextRound(5 * time.Second)
	admin.must("POST", "/api/v1/plans", map[string]any{
		"id": id, "year": 2026, "batch": 90, "title": "浏览器测试用抽查计划", "lead_department": "市场监管局",
		"items": []string{code}, "scope": map[string]any{"region_prefix": "", "mode": "不定向"},
		"ratios":    map[string]string{"A": "0.01", "B": "0.01", "C": "0.01", "D": "0.02"},
		"draw_date": plan.DrandRoundTime(round).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
		"seed":      map[string]any{"type": "drand", "round": round},
	}, 201)
	admin.must("POST", "/api/v1/plans/"+id+"/announce", map[string]any{}, 200)
	time.Sleep(time.Until(plan.DrandRoundTime(round)) + 300*time.Millisecond)
	admin.must("POST", "/api/v1/plans/"+id+"/seed", map[string]any{"sources": [][]uint64{{round}, {0x0123456789abcdef, 1, 2, 3}}}, 200)
	admin.must("POST", "/api/v1/plans/"+id+"/draw", map[string]any{}, 200)
	admin.must("POST", "/api/v1/plans/"+id+"/assign", map[string]any{"team_size": 2, "workload_cap": 20}, 200)

	var audit plan.AuditData
	json.Unmarshal(admin.must("GET", "/api/v1/plans/"+id+"/audit", nil, 200), &audit)
	var task, uscc, member string
	for _, at := range audit.Tasks {
		if len(at.Result.Team) == 2 {
			task, uscc, member = at.Task.ID, at.Task.USCC, at.Result.Team[0]
			break
		}
	}
	if task == "" {
		t.Fatalf("no task of %s got a team", id)
	}
	inspector := issueToken(t, admin, url, map[string]any{"role": "inspector", "inspector_id": member})
	regulator := issueToken(t, admin, url, map[string]any{"role": "regulator", "department": "市场监管局"})
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	inspector.client(t, url).must("POST", "/api/v1/tasks/"+task+"/result", map[string]any{
		"check_methods": []string{"实地检查"}, "results": []string{"未发现问题"}, "follow_up": "无需后续处置", "inspected_on": today}, 200)
	reg := regulator.client(t, url)
	reg.must("POST", "/api/v1/tasks/"+task+"/approve", map[string]any{}, 200)
	reg.must("POST", "/api/v1/tasks/"+task+"/publish", map[string]any{}, 200)
	t.Logf("published %s (task %s of %s) through the API in %s", uscc, task, id, time.Since(start).Round(time.Millisecond))
	return uscc
}

// importantItem is a 重点 item code of dept.
func importantItem(t *testing.T, admin apiClient, dept string) string {
	t.Helper()
	var items struct {
		Items []struct{ Code, Category string }
	}
	json.Unmarshal(admin.must("GET", "/api/v1/items?department="+urlq(dept), nil, 200), &items)
	for _, it := range items.Items {
		if it.Category == "重点" {
			return it.Code
		}
	}
	t.Fatalf("no 重点 item of %s", dept)
	return ""
}

type issued struct{ Token string }

func (i issued) client(t *testing.T, url string) apiClient {
	return apiClient{t: t, url: url, token: i.Token}
}

// issueToken: the admin issues a bearer token (the admin's job, through the API).
func issueToken(t *testing.T, admin apiClient, url string, body map[string]any) issued {
	t.Helper()
	var tok issued
	json.Unmarshal(admin.must("POST", "/api/v1/tokens", body, 201), &tok)
	if tok.Token == "" {
		t.Fatalf("no token issued for %v", body)
	}
	return tok
}
