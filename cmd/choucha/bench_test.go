package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/synth"
	"github.com/choucha/choucha/projections"
)

// benchLine prints the one line format every benchmark shares (ratio = value / baseline).
func benchLine(b *testing.B, name string, value, baseline float64, unit string) {
	b.Helper()
	fmt.Printf("bench: %s %s %s baseline=%s ratio=%.3f\n", name, num(value), unit, num(baseline), value/baseline)
	b.ReportMetric(value, name+"-"+unit)
	b.ReportMetric(baseline, name+"-baseline-"+unit)
}

// num prints whole numbers plainly and small ones with three significant digits.
func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// peakRSS is the process's high-water resident set, in MiB (Linux: /proc/self/status VmHWM).
func peakRSS() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	var kb float64
	for _, line := range splitLines(string(raw)) {
		if _, err := fmt.Sscanf(line, "VmHWM: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return 0
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// BenchmarkImportAndRebuild1M: the CLI import of 1M enterprises (parse, validate, one atomic
// append) beside reading the same CSV without validation; then the start-up rebuild of the
// read models from that log beside a raw sequential read of the log file's events.
func BenchmarkImportAndRebuild1M(b *testing.B) {
	n := envSize(b, "CHOUCHA_BENCH_IMPORT_ROWS", 1_000_000)
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "enterprises.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.GenerateEnterprises(f, n, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	resetPeakRSS()
	for range b.N {
		// Baseline: encoding/csv over the same file, no mapping, no validation.
		start := time.Now()
		rows := readCSVRaw(b, csvPath)
		baseline := float64(rows) / time.Since(start).Seconds()

		data := filepath.Join(b.TempDir(), "data")
		runtime.GC()
		start = time.Now()
		out, issues, err := importFile(ctx, "enterprises", csvPath, func() (event.Store, error) { return openLog(data) }, "en", true, io.Discard)
		if err != nil || len(issues) > 0 || out.Registered != n {
			b.Fatalf("import: %+v %v %v", out, issues, err)
		}
		value := float64(n) / time.Since(start).Seconds()
		benchLine(b, "import_enterprises_1m_cli", value, baseline, "rows/s")

		// Rebuild at start vs a raw sequential read of the same log.
		log, err := openLog(data)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		raw, err := log.ScanRaw(ctx)
		if err != nil {
			b.Fatal(err)
		}
		rawRate := float64(raw.Events) / time.Since(start).Seconds()
		start = time.Now()
		applied, err := projections.NewRunner(log, memory.NewDirectory()).CatchUp(ctx)
		if err != nil || applied != n {
			b.Fatalf("rebuild: %d %v", applied, err)
		}
		benchLine(b, "rebuild_at_start_1m", float64(applied)/time.Since(start).Seconds(), rawRate, "events/s")
		fmt.Printf("bench-note: peak RSS %.0f MiB; log %d bytes for %d events\n", peakRSS(), raw.Bytes, raw.Events)
		log.Close()
	}
}

func readCSVRaw(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	rows := -1 // header
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			b.Fatal(err)
		}
		rows++
	}
}
