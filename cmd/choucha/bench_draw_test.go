package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/csvin"
	"github.com/choucha/choucha/infra/synth"
)

// Sizes of BenchmarkDrawAndAssign10M; the environment variables shrink them while developing:
//
//	CHOUCHA_BENCH_ENTERPRISES=500000 CHOUCHA_BENCH_INSPECTORS=5000 CHOUCHA_BENCH_TASKS=15000 \
//	  go test -run='^$' -bench=DrawAndAssign10M -benchtime=1x ./cmd/choucha/
const (
	benchEnterprises = 10_000_000
	benchInspectors  = 100_000
	benchTasks       = 300_000
	benchSeed        = 1
)

// BenchmarkDrawAndAssign10M: a nationwide plan over a synthetic directory (infra/synth, the rows
// `choucha gen` writes) of 10M enterprises, whose ratios draw ≈300k enterprises, and the
// assignment of a team of two to each of them from a 100k-inspector roster of four departments.
//
// Baseline, for both lines: one sequential scan of the same in-memory directory reading each
// enterprise's tier and region code (per-tier counts under a region prefix), the least any
// draw must do to learn its pools. The assignment works on ≈300k tasks and the roster, not on
// the directory, so its ratio says how many directory scans one assignment costs; the note line
// adds its picks and skips, which are what the assignment's time is made of.
//
// The directory is built once and not timed (it stands for the read model the draw iterates).
// Peak RSS therefore includes it; the note line states the directory's own heap beside it.
func BenchmarkDrawAndAssign10M(b *testing.B) {
	n := envSize(b, "CHOUCHA_BENCH_ENTERPRISES", benchEnterprises)
	nInspectors := envSize(b, "CHOUCHA_BENCH_INSPECTORS", benchInspectors)
	target := envSize(b, "CHOUCHA_BENCH_TASKS", benchTasks)

	// peakRSS is the process's high-water mark: start this benchmark's from the memory in use
	// now, and hand the next benchmark a mark without this one's directory.
	resetPeakRSS()
	b.Cleanup(resetPeakRSS)

	// ---- fixture (not timed) --------------------------------------------------------------
	buildStart := time.Now()
	ents, drawable := benchDirectory(b, n, benchSeed)
	items, roster := benchItemsAndRoster(b, nInspectors, ents)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	dirHeap := float64(ms.HeapAlloc) / (1 << 20)
	fmt.Printf("bench-note: draw_assign fixture: %d enterprises (drawable per tier A/B/C/D %v), %d inspectors, built in %.1fs, heap %.0f MiB\n",
		len(ents), drawable, len(roster), time.Since(buildStart).Seconds(), dirHeap)

	lead, joint := synth.DefaultDepartments[0], synth.DefaultDepartments[1]
	spec := plan.Spec{
		ID: "2026-BENCH-01", Year: 2026, Batch: 1, Title: "2026年全国第一批跨部门联合双随机抽查（基准）",
		LeadDepartment: lead, JointDepartments: []string{joint},
		Items:    []directory.Item{keyItem(b, items, lead), keyItem(b, items, joint)},
		Scope:    plan.Scope{RegionPrefix: "", Mode: plan.ModeUntargeted},
		Ratios:   benchRatios(drawable, target),
		DrawDate: "2026-12-05",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-05",
			Description: "中国福利彩票双色球第2026140期开奖号码：红球一组，蓝球一组"},
	}
	var (
		announceAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		revealAt   = time.Date(2026, 12, 5, 21, 40, 0, 0, time.FixedZone("CST", 8*3600))
		seeds      = [][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}} // RFC 3797 §6
	)
	const teamSize = 2
	workloadCap := benchWorkloadCap(roster, spec.Items, target)
	last := lastInspectors(roster, spec.Departments())

	for range b.N {
		// Baseline: best of three single scans (each one sequential pass over all enterprises).
		var scan float64
		var sink [4]int
		for range 3 {
			runtime.GC()
			start := time.Now()
			counts := scanTierRegion(ents, spec.Scope.RegionPrefix)
			if d := time.Since(start).Seconds(); scan == 0 || d < scan {
				scan = d
			}
			sink = counts
		}
		if sink[0]+sink[1]+sink[2]+sink[3] != len(ents) {
			b.Fatalf("scan counted %v of %d", sink, len(ents))
		}

		// (1) The enterprise draw: pools (filter, validate, sort), commitments, seed, picks.
		runtime.GC()
		runtime.ReadMemStats(&ms)
		alloc0 := ms.TotalAlloc
		start := time.Now()
		p, _, err := plan.Create(spec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Announce(announceAt, slices.Values(ents), nil); err != nil {
			b.Fatal(err)
		}
		tAnnounce := time.Since(start)
		if _, err := p.RevealSeed(seeds, revealAt); err != nil {
			b.Fatal(err)
		}
		tReveal := time.Since(start)
		if _, err := p.DrawEnterprises(); err != nil {
			b.Fatal(err)
		}
		drawSec := time.Since(start).Seconds()
		runtime.ReadMemStats(&ms)
		drawAlloc := float64(ms.TotalAlloc-alloc0) / (1 << 20)
		benchLine(b, "draw_10m_enterprises", 1000*drawSec, 1000*scan, "ms")
		drawn := len(p.Drawn())

		// (2) Inspector assignment over the drawn enterprises.
		runtime.GC()
		runtime.ReadMemStats(&ms)
		alloc0 = ms.TotalAlloc
		start = time.Now()
		if _, err := p.AssignInspectors(roster, last, teamSize, workloadCap); err != nil {
			b.Fatal(err)
		}
		assignSec := time.Since(start).Seconds()
		runtime.ReadMemStats(&ms)
		assignAlloc := float64(ms.TotalAlloc-alloc0) / (1 << 20)
		benchLine(b, "assign_300k_tasks", 1000*assignSec, 1000*scan, "ms")

		in, rec, ok := p.Assignment()
		if !ok {
			b.Fatal("no assignment recorded")
		}
		unfilled, skips := 0, map[string]int{}
		var picks uint64
		for _, r := range rec.Results {
			if r.Status != assign.StatusOK {
				unfilled++
			}
			picks += r.Picks
			for _, s := range r.Skips {
				skips[s.Reason]++
			}
		}
		var strata []string
		for _, s := range p.Strata() {
			strata = append(strata, fmt.Sprintf("%s=%s:%d/%d@%s", s.Label, s.Tier, s.Count, s.PoolSize, s.Ratio))
		}
		fmt.Printf("bench-note: draw_10m_enterprises: drawn %d (%s); announce %.2fs, reveal %.2fs, draw %.2fs; allocated %.0f MiB\n",
			drawn, strings.Join(strata, " "), tAnnounce.Seconds(), (tReveal - tAnnounce).Seconds(),
			drawSec-tReveal.Seconds(), drawAlloc)
		fmt.Printf("bench-note: assign_300k_tasks: %d tasks, roster snapshot %d of %d, team %d, cap %d; unfilled %d; picks %d, skips %v; allocated %.0f MiB\n",
			len(in.Tasks), len(in.Roster), len(roster), teamSize, workloadCap, unfilled, picks, skips, assignAlloc)
		fmt.Printf("bench-note: draw_assign peak RSS %.0f MiB, of which the directory's live heap is %.0f MiB\n", peakRSS(), dirHeap)
	}
}

// resetPeakRSS returns freed memory to the OS and resets the high-water mark peakRSS reads to
// the current RSS (Linux ≥ 4.0: "5" to /proc/self/clear_refs); elsewhere it only frees.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func envSize(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// scanTierRegion is the baseline: one pass over the directory reading tier and region code.
func scanTierRegion(ents []directory.Enterprise, prefix string) (counts [4]int) {
	for i := range ents {
		e := &ents[i]
		if !strings.HasPrefix(e.RegionCode, prefix) {
			continue
		}
		switch e.Tier {
		case "A":
			counts[0]++
		case "B":
			counts[1]++
		case "C":
			counts[2]++
		default:
			counts[3]++
		}
	}
	return counts
}

// benchDirectory reads n rows of synth.GenerateEnterprises through a pipe, so the 3 GB of CSV
// never touch the disk. Each enterprise's strings are substrings of its row (encoding/csv
// allocates one string per record), as a CSV-fed read model would hold them. drawable counts
// the enterprises of each tier with a drawable status.
func benchDirectory(b *testing.B, n int, seed uint64) ([]directory.Enterprise, [4]int) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(synth.GenerateEnterprises(pw, n, seed)) }()
	defer pr.Close()
	r := csv.NewReader(bufio.NewReaderSize(pr, 1<<20))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[h] = i
	}
	for _, h := range synth.EnterprisesHeader {
		if _, ok := col[h]; !ok {
			b.Fatalf("enterprises: no column %q in %v", h, header)
		}
	}
	flag := func(rec []string, name string) bool {
		v, err := strconv.ParseBool(rec[col[name]])
		if err != nil {
			b.Fatalf("enterprises: %s: %v", name, err)
		}
		return v
	}
	ents := make([]directory.Enterprise, 0, n)
	var drawable [4]int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		e := directory.Enterprise{
			USCC: rec[col["uscc"]], Name: rec[col["name"]], LegalRep: rec[col["legal_rep"]],
			Address: rec[col["address"]], RegionCode: rec[col["region_code"]], Industry: rec[col["industry"]],
			EntityType: rec[col["entity_type"]], RegAuthority: rec[col["reg_authority"]],
			FoundedOn: rec[col["founded_on"]], Status: rec[col["status"]],
			Tier: directory.Tier(rec[col["credit_tier"]]), TierSetOn: rec[col["tier_set_on"]],
			Abnormal: flag(rec, "abnormal"), SeriousViolation: flag(rec, "serious_violation"),
			UnderComplaint: flag(rec, "under_complaint"),
		}
		if t := slices.Index(directory.Tiers, string(e.Tier)); t >= 0 && e.Drawable() {
			drawable[t]++
		}
		ents = append(ents, e)
	}
	if len(ents) != n {
		b.Fatalf("enterprises: read %d rows, want %d", len(ents), n)
	}
	return ents, drawable
}

// benchItemsAndRoster generates the items and inspectors CSVs with synth (four departments,
// 30 items; inspectors hold qualifications of their department's items) and reads them back
// through csvin, as `choucha import` does. synth declares conflicts only against enterprises it
// wrote in the same run, so one in fifty inspectors gets a conflict with an enterprise of ents.
func benchItemsAndRoster(b *testing.B, nInspectors int, ents []directory.Enterprise) ([]directory.Item, []directory.Inspector) {
	dir := b.TempDir()
	if _, err := synth.Generate(synth.Config{Inspectors: nInspectors, Items: 30, Seed: benchSeed}, dir); err != nil {
		b.Fatal(err)
	}
	items := make([]directory.Item, 0, 30)
	for _, row := range benchDecode[directory.Item](b, filepath.Join(dir, synth.ItemsFile)) {
		it, err := directory.NewItem(row)
		if err != nil {
			b.Fatal(err)
		}
		items = append(items, it)
	}
	roster := make([]directory.Inspector, 0, nInspectors)
	for i, row := range benchDecode[directory.Inspector](b, filepath.Join(dir, synth.InspectorsFile)) {
		if i%50 == 0 {
			row.Conflicts = append(row.Conflicts, ents[(uint64(i)*2654435761)%uint64(len(ents))].USCC)
		}
		in, err := directory.NewInspector(row)
		if err != nil {
			b.Fatal(err)
		}
		roster = append(roster, in)
	}
	return items, roster
}

func benchDecode[T any](b *testing.B, path string) []T {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, issues, err := csvin.Decode[T](f, 0)
	if err != nil || len(issues) > 0 {
		b.Fatalf("%s: %v %v", path, issues, err)
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r.Fields
	}
	return out
}

// keyItem is the department's first 重点 item that requires a qualification: with D at 0.3
// the plan may list no 一般 item (plan.GeneralRatioCap).
func keyItem(b *testing.B, items []directory.Item, dept string) directory.Item {
	for _, it := range items {
		if it.Department == dept && it.Category == directory.CategoryKey && it.Qualification != "" {
			return it
		}
	}
	b.Fatalf("no 重点 item with a qualification for %s", dept)
	return directory.Item{}
}

// benchRatios scales A 1.1 %, B 4 %, C 10 %, D 30 % (≈301k of the 10M directory's drawable
// pools) so that the expected draw is target; the planner knows the pool sizes before writing
// the plan. Scaling keeps A ≤ B ≤ C ≤ D.
func benchRatios(drawable [4]int, target int) plan.Ratios {
	base := [4]float64{0.011, 0.04, 0.1, 0.3}
	var expected float64
	for t, n := range drawable {
		expected += base[t] * float64(n)
	}
	s := float64(target) / expected
	r := func(t int) plan.Ratio {
		v := math.Round(base[t] * s * float64(plan.RatioOne))
		return plan.Ratio(min(max(v, 1), float64(plan.RatioOne)))
	}
	return plan.Ratios{A: r(0), B: r(1), C: r(2), D: r(3)}
}

// benchWorkloadCap makes the assignment feasible with room to spare: every task needs one
// active holder of each item's qualification in the item's department, so the scarcest such
// group carries target/holders teams each on average; the cap is 1.5× that, rounded up.
func benchWorkloadCap(roster []directory.Inspector, items []directory.Item, target int) int {
	holders := math.MaxInt
	for _, it := range items {
		k := 0
		for _, in := range roster {
			if in.Active && in.Department == it.Department && in.Qualified(it.Qualification) {
				k++
			}
		}
		holders = min(holders, k)
	}
	if holders == 0 {
		return 1
	}
	return int(math.Ceil(1.5 * float64(target) / float64(holders)))
}

// lastInspectors stands for the previous inspection of one enterprise in eight (rotation,
// assign.ReasonRotation): two inspectors of the plan's departments, chosen by a hash of the USCC.
func lastInspectors(roster []directory.Inspector, depts []string) func(string) []string {
	var ids []string
	for _, in := range roster {
		if slices.Contains(depts, in.Department) {
			ids = append(ids, in.ID)
		}
	}
	return func(uscc string) []string {
		h := fnv.New32a()
		h.Write([]byte(uscc))
		x := h.Sum32()
		if x%8 != 0 || len(ids) < 2 {
			return nil
		}
		i := int(x/8) % len(ids)
		return []string{ids[i], ids[(i+1)%len(ids)]}
	}
}
