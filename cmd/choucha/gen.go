package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/choucha/choucha/infra/synth"
)

// runGen writes deterministic synthetic CSVs (demo data and benchmark inputs).
func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg synth.Config
	fs.IntVar(&cfg.Enterprises, "enterprises", 100_000, "enterprises to generate")
	fs.IntVar(&cfg.Inspectors, "inspectors", 600, "inspectors to generate")
	fs.IntVar(&cfg.Items, "items", 30, "inspection items to generate")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed writes the same files")
	out := fs.String("out", "", "output directory (required)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || cfg.Enterprises < 0 || cfg.Inspectors < 0 || cfg.Items < 0 {
		fmt.Fprintln(stderr, "gen: --out is required and counts must not be negative")
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "gen:", err)
		return 1
	}
	start := time.Now()
	st, err := synth.Generate(cfg, *out)
	if err != nil {
		fmt.Fprintln(stderr, "gen:", err)
		return 1
	}
	fmt.Fprintf(stdout, "generated in %s: %+v\n", *out, st)
	fmt.Fprintf(stderr, "gen took %.1fs\n", time.Since(start).Seconds())
	return 0
}
