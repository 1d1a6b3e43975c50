package eventlogtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
)

// ChildEnv is the variable through which the kill test tells a re-executed test binary
// where the log is.
const ChildEnv = "CHOUCHA_EVENTLOG_CHILD"

const (
	killRounds   = 3
	childStreams = 24
	childMaxLife = 2 * time.Minute
)

// RunChildIfRequested must be the first thing the adapter's TestMain does. In the test
// process it returns at once. In the child the kill test starts (ChildEnv set) it opens the
// log and appends batches until it is killed, and never returns. For each batch it prints
// "begin <batch> <size>" before Append and "appended <n> <batch>" after Append returned.
func RunChildIfRequested(open func(location string) (event.Store, error)) {
	location := os.Getenv(ChildEnv)
	if location == "" {
		return
	}
	os.Exit(child(location, open))
}

type childPayload struct {
	Batch string `json:"batch"`
	Size  int    `json:"size"`
	I     int    `json:"i"`
	Pad   string `json:"pad,omitempty"`
}

func child(location string, open func(string) (event.Store, error)) int {
	s, err := open(location)
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: open %s: %v\n", location, err)
		return 2
	}
	ctx := context.Background()
	parent := os.Getppid()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	run := strconv.FormatUint(rng.Uint64()>>16, 36)
	versions := make([]uint64, childStreams)
	for i := range versions {
		if versions[i], err = s.Version(ctx, childStream(i)); err != nil {
			fmt.Fprintf(os.Stderr, "child: Version: %v\n", err)
			return 2
		}
	}
	pad := strings.Repeat("x", 300)
	for n, deadline := 0, time.Now().Add(childMaxLife); time.Now().Before(deadline); n++ {
		if os.Getppid() != parent { // the test process is gone: do not append forever
			return 4
		}
		id := fmt.Sprintf("%s-%d", run, n)
		// Half single events, half batches of 1–500 events over 1–6 streams.
		picks, size := []int{rng.IntN(childStreams)}, 1
		if rng.IntN(2) == 1 {
			picks = rng.Perm(childStreams)[:1+rng.IntN(6)]
			size = max(len(picks), 1+rng.IntN(500))
		}
		b := event.Batch{CommandID: id}
		for k, si := range picks {
			sa := event.StreamAppend{Stream: childStream(si), ExpectedVersion: versions[si]}
			count := size / len(picks)
			if k == 0 {
				count += size % len(picks)
			}
			for range count {
				p, _ := json.Marshal(childPayload{Batch: id, Size: size, I: len(sa.Events), Pad: pad})
				sa.Events = append(sa.Events, event.Envelope{
					ID: fmt.Sprintf("%s-%d-%d", id, si, len(sa.Events)), Stream: sa.Stream, Type: testType,
					OccurredAt: time.Now(), Actor: event.Actor{ID: "child", Role: "system"}, CommandID: id, Payload: p,
				})
			}
			b.Streams = append(b.Streams, sa)
		}
		fmt.Printf("begin %s %d\n", id, size)
		res, err := s.Append(ctx, b)
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: Append %s: %v\n", id, err)
			return 3
		}
		for k, si := range picks {
			versions[si] += uint64(len(b.Streams[k].Events))
		}
		fmt.Printf("appended %d %s\n", len(res.Events), id)
	}
	return 4
}

func childStream(i int) string { return fmt.Sprintf("crash-%02d", i) }

// testKillMidAppend: a process killed with SIGKILL mid-append leaves a log that reopens
// consistent. The child is the test binary re-executed, really killed, three times, each
// round appending to the same log.
func testKillMidAppend(t *testing.T, h Harness) {
	c := h.Crash
	if c == nil || c.NewLog == nil || c.Open == nil {
		t.Fatal("Harness.Crash (NewLog and Open) is required: the kill test appends from a child process " +
			"(the test binary re-executed; its TestMain must call eventlogtest.RunChildIfRequested first), " +
			"kills it with SIGKILL and reopens the log")
	}
	location := c.NewLog(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	committed := map[string]int{} // batch id → events, as the children reported
	for round := 1; round <= killRounds; round++ {
		inflight, inflightSize := killChild(t, location, rng, committed)

		s := c.Open(t, location)
		all := checkLog(t, s, h.Verify)
		present := checkBatches(t, all, committed)
		if _, ok := present[inflight]; ok {
			t.Logf("round %d: killed during batch %s (%d events): it committed", round, inflight, inflightSize)
		} else {
			t.Logf("round %d: killed during batch %s (%d events): it is absent", round, inflight, inflightSize)
		}
		t.Logf("round %d: %d batches reported committed so far, %d present, %d events", round, len(committed), len(present), len(all))
		if err := s.Close(); err != nil {
			t.Fatalf("Close after round %d: %v", round, err)
		}
	}

	// The log takes appends after the last kill.
	s := c.Open(t, location)
	defer s.Close()
	v, err := s.Version(context.Background(), childStream(0))
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, newBatch("after-kills", stream(childStream(0), v, 3)))
	checkLog(t, s, h.Verify)
}

// killChild runs a child on location, kills it with SIGKILL right after it began a batch
// (after a few commits), and records what it reported committed. It returns the batch that
// was in flight.
func killChild(t *testing.T, location string, rng *rand.Rand, committed map[string]int) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ChildEnv+"="+location)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // if this test fails before it kills the child
	lines := make(chan string, 4096)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	commitsBeforeKill := 3 + rng.IntN(20)
	commits, inflight, inflightSize, killed := 0, "", 0, false
	record := func(line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "appended":
			n, _ := strconv.Atoi(f[1])
			committed[f[2]] = n
			commits++
		case len(f) == 3 && f[0] == "begin":
			inflight = f[1]
			inflightSize, _ = strconv.Atoi(f[2])
		}
	}
	timeout := time.After(90 * time.Second)
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				err := cmd.Wait()
				t.Fatalf("child exited before it was killed (%v) after %d commits; stderr:\n%s\n"+
					"Does the adapter's TestMain call eventlogtest.RunChildIfRequested first?", err, commits, stderr.String())
			}
			record(line)
			if commits >= commitsBeforeKill && strings.HasPrefix(line, "begin ") {
				// The child is inside Append now (or about to be): kill it 0–3 ms in.
				time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
				if err := sigkill(cmd.Process.Pid); err != nil {
					t.Fatalf("kill child: %v", err)
				}
				killed = true
			}
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("child made %d commits in 90s, wanted %d; stderr:\n%s", commits, commitsBeforeKill, stderr.String())
		}
	}
	for line := range lines { // what it wrote before it died
		record(line)
	}
	err = cmd.Wait()
	if !killedBySIGKILL(cmd.ProcessState) {
		t.Fatalf("child did not die of SIGKILL: %v; stderr:\n%s", err, stderr.String())
	}
	return inflight, inflightSize
}

// checkBatches checks every batch in the log is whole and every batch a child reported
// committed is there; it returns the batches present with their sizes.
func checkBatches(t *testing.T, all []event.Envelope, committed map[string]int) map[string]int {
	t.Helper()
	type stat struct{ size, n int }
	batches := map[string]*stat{}
	for _, e := range all {
		if e.Actor.ID != "child" {
			continue
		}
		var p childPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil || p.Batch == "" {
			t.Fatalf("position %d: payload %s is not a child's: %v", e.Position, e.Payload, err)
		}
		if p.Batch != e.CommandID {
			t.Fatalf("position %d: batch %s has command id %s", e.Position, p.Batch, e.CommandID)
		}
		b := batches[p.Batch]
		if b == nil {
			b = &stat{size: p.Size}
			batches[p.Batch] = b
		}
		b.n++
	}
	present := map[string]int{}
	for id, b := range batches {
		if b.n != b.size {
			t.Errorf("batch %s: %d of its %d events are in the log (a torn batch)", id, b.n, b.size)
		}
		present[id] = b.n
	}
	for id, n := range committed {
		if got, ok := present[id]; !ok || got != n {
			t.Errorf("batch %s: the child reported %d events committed, the log has %d", id, n, got)
		}
	}
	if len(present) < len(committed) {
		t.Errorf("%d batches in the log, the children reported %d committed", len(present), len(committed))
	}
	if t.Failed() {
		t.FailNow()
	}
	return present
}
