//go:build integration

// Distributed mode end to end (issue 5): the Kafka log, `choucha project`, ClickHouse.
//
//	deployments/local/up.sh all && set -a && . ./.local/env && set +a
//	go test -tags integration -count=1 -timeout 15m -run 'Distributed|Project' ./cmd/choucha/
//
// Every run uses a fresh topic and a fresh database (dropped afterwards).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/projections"
)

func distEnv(t *testing.T) (brokers []string, addr string) {
	t.Helper()
	b, a := os.Getenv("CHOUCHA_KAFKA_BROKERS"), os.Getenv("CHOUCHA_CLICKHOUSE_ADDR")
	if b == "" || a == "" {
		t.Fatalf("FAIL LOUDLY: CHOUCHA_KAFKA_BROKERS=%q CHOUCHA_CLICKHOUSE_ADDR=%q: the distributed tests need Kafka and ClickHouse:\n"+
			"\tdeployments/local/up.sh all && set -a && . ./.local/env && set +a", b, a)
	}
	return splitList(b), a
}

func uscc(t *testing.T, i int) string {
	t.Helper()
	body := fmt.Sprintf("%08d", i)
	org, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	first := "91440305" + body + string(org)
	c, err := directory.USCCCheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// publish appends the published results of enterprises [from, to) through the Kafka store,
// per streams many tasks in one batch (one Kafka record).
func publish(ctx context.Context, t *testing.T, s *eventlog.KafkaStore, from, to, per int) {
	t.Helper()
	for lo := from; lo < to; lo += per {
		cmd := uuid.Must(uuid.NewV7()).String()
		b := event.Batch{CommandID: cmd}
		for i := lo; i < min(lo+per, to); i++ {
			stream, raw := publishedPayload(t, i)
			b.Streams = append(b.Streams, event.StreamAppend{Stream: stream, Events: []event.Envelope{{
				ID: uuid.Must(uuid.NewV7()).String(), Stream: stream, Type: inspection.ResultPublished, OccurredAt: time.Now(),
				Actor: event.Actor{ID: "publisher-li", Role: "regulator"}, CommandID: cmd, Payload: raw,
			}}})
		}
		if _, err := s.Append(ctx, b); err != nil {
			t.Fatalf("append %d..%d: %v", lo, min(lo+per, to), err)
		}
	}
}

// publishedPayload is the stream and payload of enterprise i's published result.
func publishedPayload(t *testing.T, i int) (string, json.RawMessage) {
	t.Helper()
	u := uscc(t, i)
	pub := inspection.ResultPublishedV1{PublishedOn: "2026-11-20", By: "publisher-li", Department: "市场监督管理局",
		Public: inspection.Public{USCC: u, Enterprise: fmt.Sprintf("企业%d有限公司", i), RegionCode: "440305",
			Authority: "市场监督管理局", Items: []string{"食品经营许可检查"}, InspectedOn: "2026-11-05",
			Results: []string{inspection.NoProblem}}}
	raw, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	return inspection.Stream("2026-dist-01-" + u), raw
}

func count(ctx context.Context, t *testing.T, conn driver.Conn, q string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func offset(ctx context.Context, t *testing.T, conn driver.Conn) uint64 {
	t.Helper()
	pos, err := clickhouse.Offset(ctx, conn, clickhouse.DisclosureProjectorName)
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

// migratedDatabase creates and migrates a database with `choucha migrate` and drops it when
// the test ends.
func migratedDatabase(ctx context.Context, t *testing.T, addr, db string) (string, driver.Conn) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--clickhouse", addr, "--clickhouse-db", db}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(c, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
		conn.Close()
	})
	return db, conn
}

// minOffset is the lowest offset of the projectors `project` runs.
func minOffset(ctx context.Context, t *testing.T, conn driver.Conn) uint64 {
	t.Helper()
	low := ^uint64(0)
	for _, p := range projectors(conn, 1) {
		pos, err := clickhouse.Offset(ctx, conn, p.Name())
		if err != nil {
			t.Fatal(err)
		}
		low = min(low, pos)
	}
	return low
}

func snapshot(ctx context.Context, t *testing.T, conn driver.Conn) []string {
	t.Helper()
	rows, err := conn.Query(ctx, "SELECT task, plan, uscc, enterprise, toString(inspected_on), toString(published_on), arrayStringConcat(results, '|'), version FROM disclosures FINAL ORDER BY task")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var task, plan, u, ent, insp, pub, res string
		var v uint64
		if err := rows.Scan(&task, &plan, &u, &ent, &insp, &pub, &res, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{task, plan, u, ent, insp, pub, res, fmt.Sprint(v)}, "\t"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDistributedProject(t *testing.T) {
	brokers, addr := distEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	topic, db := "choucha.test.dist."+suffix, "choucha_dist_"+suffix
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(&logBuf, testWriter{t}), nil))
	cfg := projectConfig{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db, Batch: 500, Once: true, Poll: 100 * time.Millisecond}

	// A database without the migrations: project refuses and says what to run.
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: db, CreateDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(c, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
		conn.Close()
	})
	if _, err := project(ctx, cfg, log); !errors.Is(err, errPendingMigrations) || !strings.Contains(err.Error(), "choucha migrate") {
		t.Fatalf("project before migrate: %v, want errPendingMigrations", err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--clickhouse", addr, "--clickhouse-db", db}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}

	writer, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if err := writer.WaitWriter(ctx); err != nil {
		t.Fatal(err)
	}

	// One published result.
	publish(ctx, t, writer, 1, 2, 1)
	t0 := time.Now()
	st, err := project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --once (1 event): %s, %+v", time.Since(t0), st)
	if n := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL"); n != 1 {
		t.Fatalf("disclosures FINAL = %d, want 1", n)
	}
	if pos := offset(ctx, t, conn); pos != 1 {
		t.Fatalf("offset = %d, want 1", pos)
	}
	// The served query adapter sees it.
	page, err := clickhouse.NewDisclosures(conn).Disclosures(ctx, projections.DisclosureFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].USCC != uscc(t, 1) {
		t.Fatalf("NewDisclosures: %+v, %v", page, err)
	}

	// Again: nothing new, nothing changes.
	st, err = project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if st.Applied != 0 || st.Resumed != 1 {
		t.Fatalf("second run: %+v, want nothing applied after 1", st)
	}
	if n, pos := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL"), offset(ctx, t, conn); n != 1 || pos != 1 {
		t.Fatalf("second run: %d rows, offset %d; want 1, 1", n, pos)
	}

	// 5,000 more; a child process projects them in small batches and is killed (SIGKILL) mid-way.
	const more = 5000
	t0 = time.Now()
	publish(ctx, t, writer, 2, 2+more, 500)
	t.Logf("appended %d published results through the Kafka store in %s", more, time.Since(t0))
	head, err := writer.Head(ctx)
	if err != nil || head != 1+more {
		t.Fatalf("head %d, %v; want %d", head, err, 1+more)
	}
	// The test binary runs `choucha` itself with CHOUCHA_TEST_MAIN=1 (main_test.go).
	child := exec.CommandContext(ctx, os.Args[0], "project", "--kafka", strings.Join(brokers, ","),
		"--topic", topic, "--clickhouse", addr, "--clickhouse-db", db, "--batch", "20", "--once")
	child.Env = append(os.Environ(), "CHOUCHA_TEST_MAIN=1")
	var childErr bytes.Buffer
	child.Stderr = &childErr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	var killedAt uint64
	for {
		pos := offset(ctx, t, conn)
		if pos > 1 {
			killedAt = pos
			break
		}
		if time.Since(t0) > 2*time.Minute {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = child.Process.Signal(syscall.SIGKILL)
	werr := child.Wait()
	after := minOffset(ctx, t, conn) // each projector resumes after its own offset
	t.Logf("child killed with offset %d seen (%d after the kill) of head %d, %s after start; wait: %v", killedAt, after, head, time.Since(t0), werr)
	if killedAt == 0 || after >= head {
		t.Errorf("the kill did not land mid-way (offset %d, head %d); child stderr:\n%s", after, head, childErr.String())
	}

	t0 = time.Now()
	st, err = project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --once after the kill: %s, %+v", time.Since(t0), st)
	if st.Resumed != after || st.Position != head {
		t.Fatalf("resume: %+v, want resumed after %d up to %d", st, after, head)
	}
	final := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL")
	raw := count(ctx, t, conn, "SELECT count() FROM disclosures")
	t.Logf("after the kill and a rerun: %d rows FINAL, %d raw (re-sent rows collapse on merge)", final, raw)
	if final != head || offset(ctx, t, conn) != head {
		t.Fatalf("rows FINAL = %d, offset %d; want %d, %d", final, offset(ctx, t, conn), head, head)
	}
	if raw < final || raw > final+20 {
		t.Errorf("raw rows %d: want between %d and %d (at most one re-sent batch)", raw, final, final+20)
	}
	before := snapshot(ctx, t, conn)

	// --rebuild: the same rows.
	rb := cfg
	rb.Rebuild = true
	t0 = time.Now()
	st, err = project(ctx, rb, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --rebuild --once: %s, %+v", time.Since(t0), st)
	if st.Resumed != 0 || st.Applied != int(head) {
		t.Fatalf("rebuild: %+v, want a replay from 1 of %d events", st, head)
	}
	rebuilt := snapshot(ctx, t, conn)
	if !slices.Equal(before, rebuilt) {
		t.Fatalf("rebuild: %d rows differ from the %d before", len(rebuilt), len(before))
	}
	if raw := count(ctx, t, conn, "SELECT count() FROM disclosures"); raw != head {
		t.Errorf("after rebuild raw rows %d, want %d", raw, head)
	}
	if pos := offset(ctx, t, conn); pos != head {
		t.Fatalf("after rebuild offset %d, want %d", pos, head)
	}

	// The polling mode stops on its context.
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	poll := cfg
	poll.Once = false
	if st, err := project(pctx, poll, log); err != nil || st.Applied != 0 {
		t.Fatalf("polling run: %+v, %v", st, err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// startServe runs serve in process and returns its base URL.
func startDistServe(ctx context.Context, t *testing.T, dist serveDist) (string, string, <-chan error) {
	t.Helper()
	var out syncBuffer
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{Data: dir, Addr: "127.0.0.1:0", Authority: "市场监督管理局", PublicRate: -1, Dist: dist}, &out)
	}()
	for deadline := time.Now().Add(90 * time.Second); ; {
		if s := out.String(); strings.Contains(s, "serving at ") {
			url := strings.Fields(s[strings.Index(s, "serving at ")+len("serving at "):])[0]
			tok, err := os.ReadFile(dir + "/admin.token")
			if err != nil {
				t.Fatal(err)
			}
			return url, strings.TrimSpace(string(tok)), done
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before serving: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start in 90s")
		}
	}
}

func getDistJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s %s", url, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDistributedServe(t *testing.T) {
	brokers, addr := distEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	topic := "choucha.test.serve." + suffix
	db, conn := migratedDatabase(ctx, t, addr, "choucha_serve_"+suffix)

	sctx, stop := context.WithCancel(ctx)
	t0 := time.Now()
	url, token, done := startDistServe(sctx, t, serveDist{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db})
	t.Logf("serve --kafka --clickhouse started in %s at %s", time.Since(t0), url)
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// The public API answers from ClickHouse, not from the memory read models (whose log has
	// no disclosure): a row written to ClickHouse directly shows up.
	var page projections.Page[projections.DisclosureRecord]
	getDistJSON(t, url+"/public/v1/disclosures", &page)
	if len(page.Items) != 0 {
		t.Fatalf("before: %d disclosures, want 0", len(page.Items))
	}
	p := clickhouse.NewDisclosureProjector(conn, 10)
	stream, raw := publishedPayload(t, 1)
	if err := p.Apply(event.Envelope{Stream: stream, Version: 1, Type: inspection.ResultPublished, Payload: raw, Position: 1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	getDistJSON(t, url+"/public/v1/disclosures", &page)
	if len(page.Items) != 1 || page.Items[0].USCC != uscc(t, 1) {
		t.Fatalf("after a ClickHouse row: %+v", page.Items)
	}

	// The writer role: serve holds it, so serve appends.
	post := func(base, tok string) (int, string) {
		body := `{"code":"DIST-` + suffix + `","name":"分布式检查","legal_basis":"依据","department":"市场监督管理局","category":"一般","object_type":"企业","content":"内容","method":"实地检查"}`
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/items", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := post(url, token); code/100 != 2 {
		t.Fatalf("POST item on the writer: %d %s", code, body)
	}

	// A second serve on the same topic is a follower: it refuses writes with 503.
	fctx, fstop := context.WithCancel(ctx)
	furl, ftoken, fdone := startDistServe(fctx, t, serveDist{Brokers: brokers, Topic: topic})
	code, body := post(furl, ftoken)
	fstop()
	if err := <-fdone; err != nil {
		t.Errorf("follower serve: %v", err)
	}
	t.Logf("POST item on the follower: %d %s", code, body)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"not_writer"`) {
		t.Fatalf("POST item on the follower: %d %s, want 503 not_writer", code, body)
	}
}

// The acceptance of issue 5: the distributed mode serves the same public pages and documents
// as the embedded one. Demo data goes into a Kafka log (import --kafka), a plan is run and
// results published through the API of `serve --kafka --clickhouse`, `project` fills
// ClickHouse; then every public page and JSON document of that serve (read from ClickHouse)
// must equal, byte for byte, the answer of a second serve on the same log that reads its own
// memory read models (the embedded mode's).
func TestDistributedSameAsEmbedded(t *testing.T) {
	brokers, addr := distEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	topic := "choucha.test.same." + suffix
	db, conn := migratedDatabase(ctx, t, addr, "choucha_same_"+suffix)
	src := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"gen", "--enterprises", "3000", "--inspectors", "120", "--items", "12", "--out", src}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	for _, kind := range []string{"items", "inspectors", "enterprises"} {
		errb.Reset()
		if code := run([]string{"import", kind, src + "/" + kind + ".csv", "--kafka", strings.Join(brokers, ","), "--topic", topic, "--quiet"}, &out, &errb); code != 0 {
			t.Fatalf("import %s --kafka: %s", kind, errb.String())
		}
	}

	var logBuf syncBuffer
	plog := slog.New(slog.NewJSONHandler(&logBuf, nil))
	pctx, stopProject := context.WithCancel(ctx)
	projected := make(chan error, 1)
	go func() {
		_, err := project(pctx, projectConfig{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db, Batch: 100, Poll: 100 * time.Millisecond}, plog)
		projected <- err
	}()
	defer func() {
		stopProject()
		if err := <-projected; err != nil {
			t.Errorf("project: %v\n%s", err, logBuf.String())
		}
	}()

	sctx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	url, token, _ := startDistServe(sctx, t, serveDist{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db})
	api := apiClient{t: t, url: url, token: token}

	// A plan with a drand seed a few seconds ahead, drawn and assigned; two results published.
	var items struct {
		Items []struct{ Code, Category string }
	}
	json.Unmarshal(api.must("GET", "/api/v1/items?department="+urlq("市场监管局"), nil, 200), &items)
	var codes []string
	for _, it := range items.Items {
		if it.Category == "重点" {
			codes = append(codes, it.Code)
		}
	}
	if len(codes) == 0 {
		t.Fatal("no 重点 item")
	}
	round := uint64((time.Now().Unix()+5-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	api.must("POST", "/api/v1/plans", map[string]any{
		"id": "P2026-D1", "year": 2026, "batch": 1, "title": "分布式模式抽查", "lead_department": "市场监管局",
		"items": codes[:1], "scope": map[string]any{"region_prefix": "", "mode": "不定向"},
		"ratios":    map[string]string{"A": "0.01", "B": "0.03", "C": "0.1", "D": "0.3"},
		"draw_date": plan.DrandRoundTime(round).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
		"seed":      map[string]any{"type": "drand", "round": round},
	}, 201)
	api.must("POST", "/api/v1/plans/P2026-D1/announce", map[string]any{}, 200)
	time.Sleep(time.Until(plan.DrandRoundTime(round)) + 500*time.Millisecond)
	api.must("POST", "/api/v1/plans/P2026-D1/seed", map[string]any{"sources": [][]uint64{{round}}}, 200)
	api.must("POST", "/api/v1/plans/P2026-D1/draw", map[string]any{}, 200)
	api.must("POST", "/api/v1/plans/P2026-D1/assign", map[string]any{"team_size": 2, "workload_cap": 20}, 200)
	var a plan.AuditData
	json.Unmarshal(api.must("GET", "/api/v1/plans/P2026-D1/audit", nil, 200), &a)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	var drawn []string
	published := 0
	for _, at := range a.Tasks {
		drawn = append(drawn, at.Task.USCC)
		if published == 2 || len(at.Result.Team) == 0 {
			continue
		}
		id := at.Task.ID
		issue := func(body map[string]any) apiClient {
			var tok struct{ Token string }
			json.Unmarshal(api.must("POST", "/api/v1/tokens", body, 201), &tok)
			return apiClient{t: t, url: url, token: tok.Token}
		}
		inspector := issue(map[string]any{"role": "inspector", "inspector_id": at.Result.Team[0]})
		regulator := issue(map[string]any{"role": "regulator", "department": at.Task.Departments[0]})
		inspector.must("POST", "/api/v1/tasks/"+id+"/result", map[string]any{"check_methods": []string{"实地检查"},
			"results": []string{"未发现问题"}, "follow_up": "无需后续处置", "inspected_on": today}, 200)
		regulator.must("POST", "/api/v1/tasks/"+id+"/approve", map[string]any{}, 200)
		regulator.must("POST", "/api/v1/tasks/"+id+"/publish", map[string]any{}, 200)
		published++
	}
	if published != 2 {
		t.Fatalf("published %d results, want 2", published)
	}

	// Wait until every projector has sent the whole log.
	var head struct{ Head uint64 }
	reader, err := openReader(ctx, brokers, topic)
	if err != nil {
		t.Fatal(err)
	}
	head.Head, _ = reader.Head(ctx)
	reader.Close()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		behind := ""
		for _, p := range projectors(conn, 1) {
			if pos, err := clickhouse.Offset(ctx, conn, p.Name()); err != nil || pos < head.Head {
				behind = fmt.Sprintf("%s at %d (%v)", p.Name(), pos, err)
				break
			}
		}
		if behind == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("projectors behind head %d: %s\n%s", head.Head, behind, logBuf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The embedded mode's answers: a serve on the same log reading its memory models.
	mctx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	memURL, _, _ := startDistServe(mctx, t, serveDist{Brokers: brokers, Topic: topic})
	get := func(u string) string {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return string(raw)
	}
	differ := 0
	pages, docs := crawl(t, url, map[string][]string{"id": {"P2026-D1"}, "uscc": drawn[:min(20, len(drawn))]}, func(where, body string) {
		path := where[strings.IndexByte(where, ' ')+1:]
		if mem := get(memURL + path); mem != body {
			if differ++; differ <= 5 {
				t.Errorf("%s differs between ClickHouse and memory:\nclickhouse: %.300s\nmemory:     %.300s", where, body, mem)
			}
		}
	})
	t.Logf("%d pages and %d public documents compared; %d differ", pages, docs, differ)
	if pages < 20 || docs < 5 {
		t.Errorf("crawled only %d pages and %d documents", pages, docs)
	}

	// `project --rebuild` from position 1 gives identical tables (every column but the
	// position a row was written at, which follows batch boundaries).
	stopProject()
	if err := <-projected; err != nil {
		t.Fatalf("project: %v\n%s", err, logBuf.String())
	}
	projected <- nil // for the deferred check
	before := tableDump(t, db, conn)
	if _, err := project(ctx, projectConfig{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db, Batch: 37, Once: true, Rebuild: true, Poll: time.Second, RetryFor: time.Minute}, plog); err != nil {
		t.Fatalf("project --rebuild: %v\n%s", err, logBuf.String())
	}
	after := tableDump(t, db, conn)
	for table, rows := range before {
		if !slices.Equal(rows, after[table]) {
			t.Errorf("table %s differs after --rebuild: %d rows before, %d after", table, len(rows), len(after[table]))
		} else {
			t.Logf("table %s: %d rows, identical after --rebuild", table, len(rows))
		}
	}
}

// tableDump reads every table the projectors fill, as sorted TSV lines over the HTTP
// interface (FINAL; without the position column; roll-ups merged).
func tableDump(t *testing.T, db string, conn driver.Conn) map[string][]string {
	t.Helper()
	base := os.Getenv("CHOUCHA_CLICKHOUSE_HTTP")
	if base == "" {
		t.Fatal("FAIL LOUDLY: CHOUCHA_CLICKHOUSE_HTTP is empty (deployments/local/up.sh writes it to .local/env)")
	}
	out := map[string][]string{}
	for _, p := range projectors(conn, 1) {
		for _, table := range p.Tables() {
			q := "SELECT * FROM `" + db + "`.`" + table + "` FINAL FORMAT TSVWithNames"
			if strings.HasSuffix(table, "_rollup") {
				q = "SELECT kind, grp, day, uniqExactMerge(drawn) AS drawn FROM `" + db + "`.`" + table + "` GROUP BY kind, grp, day FORMAT TSVWithNames"
			}
			res, err := http.Post(base+"/", "text/plain", strings.NewReader(q))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s %s", q, res.Status, raw)
			}
			lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
			drop := slices.Index(strings.Split(lines[0], "\t"), "position")
			var rows []string
			for _, l := range lines[1:] {
				cells := strings.Split(l, "\t")
				if drop >= 0 {
					cells = slices.Delete(cells, drop, drop+1)
				}
				rows = append(rows, strings.Join(cells, "\t"))
			}
			slices.Sort(rows)
			out[table] = rows
		}
	}
	return out
}
