package synth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/directory"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func mustBool(t *testing.T, s string) bool {
	t.Helper()
	b, err := strconv.ParseBool(s)
	if err != nil || (s != "true" && s != "false") {
		t.Fatalf("bad boolean %q", s)
	}
	return b
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ListSep)
}

// Every row of a small run is accepted by the directory's constructors, and the files hang
// together: inspectors' qualifications come from their department's items, conflicts name
// enterprises that exist.
func TestGenerateRowsAreValid(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Enterprises: 5000, Inspectors: 3000, Items: 45, Seed: 42}
	st, err := Generate(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 45 || st.Enterprises != 5000 || st.Inspectors != 3000 {
		t.Fatalf("stats %+v", st)
	}

	items := readCSV(t, filepath.Join(dir, ItemsFile))
	if !slices.Equal(items[0], ItemsHeader) || len(items) != 46 {
		t.Fatalf("items header %v, %d rows", items[0], len(items))
	}
	qualsOf := map[string]map[string]bool{}
	categories := map[string]int{}
	for _, r := range items[1:] {
		it, err := directory.NewItem(directory.Item{Code: r[0], Name: r[1], LegalBasis: r[2],
			Department: r[3], Category: r[4], ObjectType: r[5], Content: r[6], Method: r[7], Qualification: r[8]})
		if err != nil {
			t.Fatalf("item %v: %v", r, err)
		}
		if qualsOf[it.Department] == nil {
			qualsOf[it.Department] = map[string]bool{}
		}
		qualsOf[it.Department][it.Qualification] = true
		categories[it.Category]++
		for _, m := range splitList(it.Method) {
			if !slices.Contains([]string{"实地检查", "书面检查", "网络监测", "检验检测", "专业机构辅助", "采用其他部门结论"}, m) {
				t.Errorf("item %s: method %q", it.Code, m)
			}
		}
	}
	if items[1][0] != "SJ-2024-001" || len(qualsOf) != 4 || categories["重点"] == 0 || categories["一般"] == 0 {
		t.Errorf("items: first %s, departments %d, categories %v", items[1][0], len(qualsOf), categories)
	}
	for _, q := range []string{"食品安全", "特种设备", "公示信息", "环境执法", "安全生产"} {
		found := false
		for _, qs := range qualsOf {
			found = found || qs[q]
		}
		if !found {
			t.Errorf("no item requires %s", q)
		}
	}

	ents := readCSV(t, filepath.Join(dir, EnterprisesFile))
	if !slices.Equal(ents[0], EnterprisesHeader) || len(ents) != 5001 {
		t.Fatalf("enterprises header %v, %d rows", ents[0], len(ents))
	}
	usccs := map[string]bool{}
	for _, r := range ents[1:] {
		e, err := directory.NewEnterprise(directory.Enterprise{USCC: r[0], Name: r[1], LegalRep: r[2],
			Address: r[3], RegionCode: r[4], Industry: r[5], EntityType: r[6], RegAuthority: r[7],
			FoundedOn: r[8], Status: r[9], Tier: directory.Tier(r[10]), TierSetOn: r[11],
			Abnormal: mustBool(t, r[12]), SeriousViolation: mustBool(t, r[13]), UnderComplaint: mustBool(t, r[14])})
		if err != nil {
			t.Fatalf("enterprise %v: %v", r, err)
		}
		if e.USCC != r[0] || strings.HasSuffix(e.RegionCode, "00") || !strings.HasPrefix(e.TierSetOn, "2026-") {
			t.Fatalf("enterprise %v", r)
		}
		if r[8] < "1990-01-01" || r[8] > "2025-12-31" {
			t.Fatalf("founded %s", r[8])
		}
		if usccs[e.USCC] {
			t.Fatalf("duplicate USCC %s", e.USCC)
		}
		usccs[e.USCC] = true
	}

	ins := readCSV(t, filepath.Join(dir, InspectorsFile))
	if !slices.Equal(ins[0], InspectorsHeader) || len(ins) != 3001 {
		t.Fatalf("inspectors header %v, %d rows", ins[0], len(ins))
	}
	conflicts, withConflicts := 0, 0
	certs := map[string]bool{}
	for i, r := range ins[1:] {
		in, err := directory.NewInspector(directory.Inspector{ID: r[0], Name: r[1], CertNo: r[2],
			Department: r[3], RegionCode: r[4], Qualifications: splitList(r[5]), Active: mustBool(t, r[6]),
			TeamLeader: mustBool(t, r[7]), Expert: mustBool(t, r[8]), Conflicts: splitList(r[9])})
		if err != nil {
			t.Fatalf("inspector %v: %v", r, err)
		}
		if in.ID != "INS"+strings.Repeat("0", 6-len(strconv.Itoa(i+1)))+strconv.Itoa(i+1) {
			t.Fatalf("id %s at row %d", in.ID, i+1)
		}
		if in.Department != DefaultDepartments[i%4] {
			t.Fatalf("%s: department %s not round-robin", in.ID, in.Department)
		}
		if n := len(in.Qualifications); n < 1 || n > 3 || strings.Join(in.Qualifications, ListSep) != r[5] {
			t.Fatalf("%s: qualifications %q", in.ID, r[5])
		}
		for _, q := range in.Qualifications {
			if !qualsOf[in.Department][q] {
				t.Fatalf("%s (%s): qualification %s matches no item of the department", in.ID, in.Department, q)
			}
		}
		if certs[in.CertNo] {
			t.Fatalf("duplicate certificate %s", in.CertNo)
		}
		certs[in.CertNo] = true
		for _, c := range in.Conflicts {
			if !usccs[c] {
				t.Fatalf("%s: conflict %s is no generated enterprise", in.ID, c)
			}
		}
		if len(in.Conflicts) > 2 {
			t.Fatalf("%s: %d conflicts", in.ID, len(in.Conflicts))
		}
		if len(in.Conflicts) > 0 {
			withConflicts++
		}
		conflicts += len(in.Conflicts)
	}
	if conflicts != st.Conflicts || withConflicts < 30 || withConflicts > 100 {
		t.Errorf("conflicts: %d in file, %d in stats, %d inspectors with some (want ≈2%% of 3000)",
			conflicts, st.Conflicts, withConflicts)
	}
}

func TestGenerateSharesAndUniqueness(t *testing.T) {
	const n = 100_000
	var buf bytes.Buffer
	if err := GenerateEnterprises(&buf, n, 2026); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	tiers := map[string]int{}
	entity := map[string]int{}
	status := map[string]int{}
	var abnormal, serious, complaint, rows int
	seen := make(map[string]struct{}, n)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		if _, dup := seen[rec[0]]; dup {
			t.Fatalf("duplicate USCC %s", rec[0])
		}
		seen[rec[0]] = struct{}{}
		tiers[rec[10]]++
		entity[rec[6]]++
		status[rec[9]]++
		if rec[12] == "true" {
			abnormal++
		}
		if rec[13] == "true" {
			serious++
		}
		if rec[14] == "true" {
			complaint++
		}
	}
	if rows != n {
		t.Fatalf("%d rows", rows)
	}
	pct := func(k int) float64 { return 100 * float64(k) / n }
	for tier, want := range map[string]float64{"A": 70, "B": 20, "C": 7, "D": 3} {
		if got := pct(tiers[tier]); math.Abs(got-want) > 1.5 {
			t.Errorf("tier %s: %.2f%%, want %.0f%% ± 1.5", tier, got, want)
		}
	}
	if got := pct(status["存续"] + status["在业"]); math.Abs(got-95) > 1.5 || status["注销"] == 0 || status["吊销"] == 0 {
		t.Errorf("status shares %v", status)
	}
	if got := pct(entity["企业"] + entity["个体工商户"]); got < 95 {
		t.Errorf("entity types %v", entity)
	}
	for name, k := range map[string]int{"abnormal": abnormal, "serious_violation": serious, "under_complaint": complaint} {
		if p := pct(k); p <= 0 || p > 5 {
			t.Errorf("%s: %.2f%%", name, p)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := Config{Enterprises: 3000, Inspectors: 500, Items: 30, Seed: 7}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(cfg, dir); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Seed = 8
	if _, err := Generate(cfg, c); err != nil {
		t.Fatal(err)
	}
	read := func(dir, name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, name := range []string{ItemsFile, EnterprisesFile, InspectorsFile} {
		if !bytes.Equal(read(a, name), read(b, name)) {
			t.Errorf("%s differs for the same seed", name)
		}
	}
	for _, name := range []string{EnterprisesFile, InspectorsFile} {
		if bytes.Equal(read(a, name), read(c, name)) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
	var buf bytes.Buffer
	if err := GenerateEnterprises(&buf, 3000, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), read(a, EnterprisesFile)) {
		t.Error("GenerateEnterprises differs from Generate's enterprises.csv")
	}
	if entries, _ := os.ReadDir(a); len(entries) != 3 {
		t.Errorf("output directory holds %d entries, want the 3 files", len(entries))
	}
	if raw := read(a, ItemsFile); bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) || !bytes.HasPrefix(raw, []byte("code,name,")) {
		t.Error("items.csv must start with the header, no BOM")
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []Config{
		{Enterprises: -1}, {Inspectors: -1}, {Items: -1},
		{Departments: []string{"市场监管局", "市场监管局"}},
		{Departments: []string{" 市场监管局"}},
		{Departments: []string{""}},
	} {
		if _, err := Generate(bad, dir); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// Custom departments: items from the generic catalog, inspectors qualified for them.
	st, err := Generate(Config{Items: 6, Inspectors: 20, Departments: []string{"交通运输局", "市场监管局"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	items := readCSV(t, filepath.Join(dir, ItemsFile))
	if st.Items != 6 || items[1][3] != "交通运输局" || !strings.HasPrefix(items[1][1], "交通运输局") || items[2][3] != "市场监管局" {
		t.Errorf("items %v", items[1:3])
	}
	ins := readCSV(t, filepath.Join(dir, InspectorsFile))
	if ins[1][3] != "交通运输局" || ins[1][5] != "行政执法" || ins[1][9] != "" {
		t.Errorf("inspector %v", ins[1])
	}
	// Zero counts still write headers; more items than a catalog holds repeat as 专项.
	st, err = Generate(Config{Items: 40, Departments: []string{"卫生健康委"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	items = readCSV(t, filepath.Join(dir, ItemsFile))
	names := map[string]bool{}
	for _, r := range items[1:] {
		if names[r[1]] {
			t.Errorf("item name %s twice", r[1])
		}
		names[r[1]] = true
	}
	if len(readCSV(t, filepath.Join(dir, EnterprisesFile))) != 1 || st.Enterprises != 0 {
		t.Error("zero enterprises should leave the header only")
	}
}

func TestFeistelIsAPermutation(t *testing.T) {
	f := feistel{half: 31, keys: [4]uint64{1, 2, 3, 4}}
	seen := make([]bool, 31*31)
	for x := range uint64(31 * 31) {
		y := f.permute(x)
		if y >= 31*31 || seen[y] {
			t.Fatalf("permute(%d) = %d repeats or escapes", x, y)
		}
		seen[y] = true
	}
}

func BenchmarkGenerateEnterprises(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		if err := GenerateEnterprises(io.Discard, n, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
