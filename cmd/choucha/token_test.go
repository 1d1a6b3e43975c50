package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/infra/eventlog"
)

func runTokenCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runToken(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestTokenCLIIssueListRevoke: issue → list shows it without the secret → revoke.
func TestTokenCLIIssueListRevoke(t *testing.T) {
	data := t.TempDir()
	code, out, e := runTokenCLI("issue", "--role", "regulator", "--department", "市场监管局", "--name", "张三", "--expires", "90d", "--data", data)
	if code != 0 {
		t.Fatalf("issue: %d %s %s", code, out, e)
	}
	lines := strings.Split(out, "\n")
	id, _, _ := strings.Cut(strings.TrimPrefix(lines[0], "token "), " ")
	secret := lines[1]
	if len(id) != 16 || len(secret) != 64 || !strings.Contains(lines[0], "department 市场监管局") {
		t.Fatalf("issue output:\n%s", out)
	}

	code, out, e = runTokenCLI("list", "--data", data)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "regulator") || !strings.Contains(out, "张三") || !strings.Contains(out, "active") {
		t.Fatalf("list: %d %s %s", code, out, e)
	}
	if strings.Contains(out, secret) {
		t.Fatal("list shows the secret")
	}
	raw, _ := os.ReadFile(filepath.Join(data, "events.db"))
	if len(raw) == 0 || bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the secret is in the log file (or there is no log file)")
	}

	if code, out, e = runTokenCLI("revoke", id, "--reason", "调岗", "--data", data); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s %s", code, out, e)
	}
	if code, out, _ = runTokenCLI("list", "--data", data); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke: %d %s", code, out)
	}
	if code, _, e = runTokenCLI("revoke", "--data", data, "--lang", "en", id); code != 1 || !strings.Contains(e, "already revoked") {
		t.Fatalf("revoke again: %d %s", code, e)
	}
	if code, _, e = runTokenCLI("revoke", "0123456789abcdef", "--data", data, "--lang", "en"); code != 1 || !strings.Contains(e, "no such token") {
		t.Fatalf("revoke unknown: %d %s", code, e)
	}
}

func TestTokenCLIRefusals(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"issue", "--role", "regulator"}, 2, "department"},
		{[]string{"issue", "--role", "inspector", "--inspector", "INS000001"}, 2, "no such inspector"},
		{[]string{"issue", "--role", "inspector"}, 2, "inspector_id"},
		{[]string{"issue", "--role", "root", "--department", "d"}, 2, "role"},
		{[]string{"issue", "--role", "regulator", "--department", "d", "--expires", "soon"}, 2, "--expires"},
		{[]string{"revoke"}, 2, "usage"},
		{[]string{"rotate"}, 2, "usage"},
	} {
		code, _, e := runTokenCLI(append(tc.args, "--data", data, "--lang", "en")...)
		if tc.args[0] == "revoke" || tc.args[0] == "rotate" {
			code, _, e = runTokenCLI(tc.args...)
		}
		if code != tc.code || !strings.Contains(e, tc.want) {
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, e)
		}
	}
	if code, out, _ := runTokenCLI("list", "--data", data); code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("refusals left tokens: %s", out)
	}
}

// TestTokenCLIWhileServeHoldsTheLog: a clear pointer to the API, not a lock error.
func TestTokenCLIWhileServeHoldsTheLog(t *testing.T) {
	data := t.TempDir()
	log, err := eventlog.OpenBolt(filepath.Join(data, "events.db"), eventlog.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	start := time.Now()
	code, _, e := runTokenCLI("issue", "--role", "regulator", "--department", "d", "--data", data)
	if code != 1 || !strings.Contains(e, "choucha serve") || !strings.Contains(e, "POST /api/v1/tokens") {
		t.Fatalf("exit %d: %s", code, e)
	}
	t.Logf("refused after %s", time.Since(start))
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.Local)
	for in, want := range map[string]time.Time{
		"90d":        now.AddDate(0, 0, 90),
		"36h":        now.Add(36 * time.Hour),
		"2027-01-01": time.Date(2027, 1, 1, 0, 0, 0, 0, time.Local),
	} {
		got, err := parseExpiry(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s → %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0d", "-3d", "tomorrow", "2027-13-01"} {
		if _, err := parseExpiry(in, now); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
