package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/choucha/choucha/domain/draw"
)

// runVerifyRFC3797 recomputes an RFC 3797 selection from published seeds and pool and prints
// the selected pool lines in pick order, nothing else, so that its output can be diffed
// against a published list or an independent implementation.
func runVerifyRFC3797(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify rfc3797", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seedsPath := fs.String("seeds", "", "seed file: one source per line, non-negative integers "+
		"separated by blanks; blank lines and '#' lines ignored")
	poolPath := fs.String("pool", "", "pool file: one candidate per line, numbered 1…P in file order")
	count := fs.Int("count", 0, "number of candidates to select, 1…P")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "verify rfc3797: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var missing []string
	for _, name := range []string{"seeds", "pool", "count"} {
		if !given[name] {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fail("missing %s (usage: choucha verify rfc3797 --seeds SEEDS --pool POOL --count K)",
			strings.Join(missing, ", "))
	}
	if *count < 1 {
		return fail("--count must be at least 1, got %d", *count)
	}
	seeds, err := parseFile(*seedsPath, draw.ParseSeeds)
	if err != nil {
		return fail("seeds file %s: %v", *seedsPath, err)
	}
	pool, err := parseFile(*poolPath, draw.ParsePool)
	if err != nil {
		return fail("pool file %s: %v", *poolPath, err)
	}
	if *count > len(pool) {
		return fail("--count %d exceeds the pool size %d", *count, len(pool))
	}
	picks, err := draw.Select(draw.Key(seeds), len(pool), *count)
	if err != nil {
		return fail("%v", err)
	}
	if *count > 1<<16 {
		// Auditors comparing with another RFC 3797 tool need to know where the RFC ends.
		fmt.Fprintln(stderr, "verify rfc3797: note: picks after 65,536 use the be32 counter "+
			"extension documented in package draw")
	}
	w := bufio.NewWriter(stdout)
	for _, i := range picks {
		w.WriteString(pool[i])
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(stderr, "verify rfc3797: writing output:", err)
		return 1
	}
	return 0
}

func parseFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		if pe, ok := errors.AsType[*os.PathError](err); ok {
			err = pe.Err // the caller already names the file
		}
		return zero, err
	}
	defer f.Close()
	return parse(bufio.NewReader(f))
}
