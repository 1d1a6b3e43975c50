package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/choucha/choucha/infra/synth"
)

// TestMain lets a test start this binary as `choucha` in a child process (and kill it).
func TestMain(m *testing.M) {
	if os.Getenv("CHOUCHA_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestGenIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if code, _, e := runCLI(t, "gen", "--enterprises", "500", "--inspectors", "20", "--items", "5", "--seed", "7", "--out", d); code != 0 {
			t.Fatalf("gen: %d %s", code, e)
		}
	}
	for _, f := range []string{"enterprises.csv", "inspectors.csv", "items.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", f)
		}
	}
}

func TestCLIImportAllOrNothing(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	if code, _, e := runCLI(t, "gen", "--enterprises", "1000", "--inspectors", "30", "--items", "8", "--out", src); code != 0 {
		t.Fatal(e)
	}
	for _, kind := range []string{"items", "inspectors"} {
		if code, out, e := runCLI(t, "import", kind, filepath.Join(src, kind+".csv"), "--data", data, "--quiet"); code != 0 {
			t.Fatalf("import %s: %d %s %s", kind, code, out, e)
		}
	}
	// One bad check digit on line 501 of 1,001: exit 2, that line named, nothing written.
	raw, _ := os.ReadFile(filepath.Join(src, "enterprises.csv"))
	lines := strings.Split(string(raw), "\n")
	u := lines[500][:18]
	swap := map[byte]byte{'0': '1', '1': '0'}
	last, ok := swap[u[17]]
	if !ok {
		last = '0'
	}
	lines[500] = strings.Replace(lines[500], u, u[:17]+string(last), 1)
	bad := filepath.Join(src, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
	code, _, e := runCLI(t, "import", "enterprises", bad, "--data", data, "--quiet", "--lang", "en")
	if code != 2 || !strings.Contains(e, "line 501: uscc:") || !strings.Contains(e, "check digit") {
		t.Fatalf("bad file: exit %d, stderr %s", code, e)
	}
	if code, out, _ := runCLI(t, "import", "enterprises", filepath.Join(src, "enterprises.csv"), "--data", data, "--quiet"); code != 0 || !strings.Contains(out, "1000 registered") {
		t.Fatalf("good file: %d %s", code, out)
	}
	if code, out, e := runCLI(t, "verify", "log", "--data", data); code != 0 {
		t.Fatalf("verify: %d %s %s", code, out, e)
	}
}

// child is `choucha serve` in its own process.
type child struct {
	cmd *exec.Cmd
	url string
}

// startServe starts `choucha serve` on data; extra are more flags.
func startServe(t *testing.T, data string, extra ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, extra...)...)
	cmd.Env = append(os.Environ(), "CHOUCHA_TEST_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer // written by the child's copier while a failure reads it
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "choucha is serving at "); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			cmd.Wait()
			t.Fatalf("serve exited: %s", stderr.String())
		}
		return &child{cmd: cmd, url: u}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	return nil
}

func (c *child) kill9() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

func (c *child) stop(t *testing.T) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly: %v", err)
	}
}

func (c *child) enterprises(t *testing.T, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", c.url+"/api/v1/directory/counts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var counts struct{ Enterprises int }
	if err := json.NewDecoder(res.Body).Decode(&counts); err != nil {
		t.Fatal(err)
	}
	return counts.Enterprises
}

func postCSV(ctx context.Context, url, token string, body []byte) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v1/enterprises/import", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// TestKill9DuringImport: `choucha serve` killed with SIGKILL during a 100k-row import leaves
// either every row or none, and a log that verifies.
func TestKill9DuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill test starts real processes")
	}
	const rows = 100_000
	var csv bytes.Buffer
	if err := synth.GenerateEnterprises(&csv, rows, 3); err != nil {
		t.Fatal(err)
	}
	body := csv.Bytes()

	// A full import first, to learn how long one takes here.
	data := t.TempDir()
	c := startServe(t, data)
	token := readToken(t, data)
	start := time.Now()
	if st, err := postCSV(context.Background(), c.url, token, body); err != nil || st != 200 {
		t.Fatalf("full import: %d %v", st, err)
	}
	full := time.Since(start)
	if n := c.enterprises(t, token); n != rows {
		t.Fatalf("after a full import: %d enterprises", n)
	}
	c.stop(t)
	t.Logf("a full import of %d rows takes %s here", rows, full)

	seen := map[int]int{}
	for _, frac := range []float64{0.3, 0.7, 0.9, 0.97} {
		data := t.TempDir()
		c := startServe(t, data)
		token := readToken(t, data)
		go postCSV(context.Background(), c.url, token, body)
		time.Sleep(time.Duration(frac * float64(full)))
		c.kill9()

		c = startServe(t, data)
		n := c.enterprises(t, readToken(t, data))
		c.stop(t)
		if n != 0 && n != rows {
			t.Fatalf("killed at %.0f%%: %d enterprises, want 0 or %d", frac*100, n, rows)
		}
		seen[n]++
		if code, out, e := runCLI(t, "verify", "log", "--data", data); code != 0 {
			t.Fatalf("killed at %.0f%%: log does not verify: %s %s", frac*100, out, e)
		}
	}
	t.Logf("after kill -9: %v (enterprise count → times)", seen)
}

func readToken(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// syncBuffer is a bytes.Buffer safe to write and read from different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
