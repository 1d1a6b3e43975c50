package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fully worked example of RFC 3797 §6, with the RFC's own volunteer names.
const (
	rfcSeedsFile = "# RFC 3797 §6\n9319\n2 5 12 8 10\n9 18 26 34 41 45\n"
	rfcPoolFile  = "John\nMary\nBashful\nDopey\nSleepy\nGrouchy\nDoc\nSneazy\nHandsome\n" +
		"Cassandra\nPollyanna\nPendragon\nPandora\nFaith\nHope\nCharity\nLee\n" +
		"Longsuffering\nChastity\nSmith\nPride\nSloth\nEnvy\nAnger\nKasczynski\n"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runRFC3797(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runVerifyRFC3797(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVerifyRFC3797Example(t *testing.T) {
	seeds := writeTemp(t, "seeds", rfcSeedsFile)
	pool := writeTemp(t, "pool", rfcPoolFile)
	for _, tc := range []struct {
		count string
		want  string
	}{
		{"1", "Lee\n"},
		{"11", "Lee\nDoc\nMary\nCharity\nKasczynski\nEnvy\nSneazy\nAnger\nChastity\nPandora\nSloth\n"},
		// Picks 12…16 of the RFC's table: volunteers 5, 18, 9, 1, 4.
		{"16", "Lee\nDoc\nMary\nCharity\nKasczynski\nEnvy\nSneazy\nAnger\nChastity\nPandora\nSloth\n" +
			"Sleepy\nLongsuffering\nHandsome\nJohn\nDopey\n"},
	} {
		code, out, errOut := runRFC3797("--seeds", seeds, "--pool", pool, "--count", tc.count)
		if code != 0 || out != tc.want || errOut != "" {
			t.Errorf("count %s: exit %d\nstdout %q\nwant   %q\nstderr %q", tc.count, code, out, tc.want, errOut)
		}
	}
	// All 25 is a permutation of the pool; "=" and single-dash flag forms work too.
	code, out, _ := runRFC3797("-seeds="+seeds, "--pool="+pool, "-count", "25")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 25 || !strings.HasPrefix(out, "Lee\nDoc\n") {
		t.Fatalf("count 25: exit %d, %d lines", code, len(lines))
	}
}

func TestVerifyRFC3797CRLF(t *testing.T) {
	seeds := writeTemp(t, "seeds", strings.ReplaceAll(rfcSeedsFile, "\n", "\r\n"))
	pool := writeTemp(t, "pool", strings.ReplaceAll(rfcPoolFile, "\n", "\r\n"))
	code, out, errOut := runRFC3797("--seeds", seeds, "--pool", pool, "--count", "3")
	if code != 0 || out != "Lee\nDoc\nMary\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVerifyRFC3797Errors(t *testing.T) {
	seeds := writeTemp(t, "seeds", rfcSeedsFile)
	pool := writeTemp(t, "pool", rfcPoolFile)
	badSeeds := writeTemp(t, "badseeds", "9319\n2 -5\n")
	noSeeds := writeTemp(t, "noseeds", "# nothing yet\n")
	blankPool := writeTemp(t, "blankpool", "John\n\nMary\n")
	emptyPool := writeTemp(t, "emptypool", "")
	missing := filepath.Join(t.TempDir(), "absent")
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no flags", nil, "missing --seeds, --pool, --count"},
		{"no count", []string{"--seeds", seeds, "--pool", pool}, "missing --count"},
		{"no seeds", []string{"--pool", pool, "--count", "3"}, "missing --seeds"},
		{"count 0", []string{"--seeds", seeds, "--pool", pool, "--count", "0"}, "at least 1"},
		{"count -1", []string{"--seeds", seeds, "--pool", pool, "--count", "-1"}, "at least 1"},
		{"count > pool", []string{"--seeds", seeds, "--pool", pool, "--count", "26"},
			"--count 26 exceeds the pool size 25"},
		{"count not a number", []string{"--seeds", seeds, "--pool", pool, "--count", "ten"},
			"invalid value"},
		{"unknown flag", []string{"--seeds", seeds, "--pool", pool, "--count", "3", "--label", "S1"},
			"flag provided but not defined"},
		{"extra argument", []string{"--seeds", seeds, "--pool", pool, "--count", "3", "more"},
			`unexpected argument "more"`},
		{"absent seeds", []string{"--seeds", missing, "--pool", pool, "--count", "3"},
			"seeds file " + missing + ": no such file"},
		{"bad seeds", []string{"--seeds", badSeeds, "--pool", pool, "--count", "3"},
			"seeds file " + badSeeds + ": line 2: negative number -5"},
		{"no sources", []string{"--seeds", noSeeds, "--pool", pool, "--count", "3"},
			"no seed sources"},
		{"blank pool line", []string{"--seeds", seeds, "--pool", blankPool, "--count", "1"},
			"pool file " + blankPool + ": line 2: blank line"},
		{"empty pool", []string{"--seeds", seeds, "--pool", emptyPool, "--count", "1"},
			"pool has no candidates"},
		{"pool is a directory", []string{"--seeds", seeds, "--pool", t.TempDir(), "--count", "1"},
			"pool file"},
	} {
		code, out, errOut := runRFC3797(tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q",
				tc.name, code, out, errOut, tc.want)
		}
	}
}
