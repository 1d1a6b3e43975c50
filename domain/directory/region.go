package directory

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// regionsTxt is the GB/T 2260 list (民政部, 县以上行政区划代码); its header names edition and source.
//
//go:embed regions.txt
var regionsTxt string

type regionTable struct {
	names    map[string]string
	counties []string // codes not ending in "00", ascending
}

// regions parses the embedded list once, on first use, so importers that never look at a
// region code pay nothing. A malformed list is a build defect, hence the panic (tests parse it).
var regions = sync.OnceValue(func() regionTable {
	t, err := parseRegions(regionsTxt)
	if err != nil {
		panic(err)
	}
	return t
})

func parseRegions(txt string) (regionTable, error) {
	t := regionTable{names: make(map[string]string, 3300)}
	for n, line := range strings.Split(txt, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, ok := strings.Cut(line, "\t")
		if !ok || !isDigits(code, 6) || name == "" {
			return regionTable{}, fmt.Errorf("regions.txt line %d: want code<TAB>name, got %q", n+1, line)
		}
		if _, dup := t.names[code]; dup {
			return regionTable{}, fmt.Errorf("regions.txt line %d: duplicate code %s", n+1, code)
		}
		t.names[code] = name
		if !strings.HasSuffix(code, "00") {
			t.counties = append(t.counties, code)
		}
	}
	slices.Sort(t.counties)
	return t, nil
}

// ValidRegionCode reports whether s is a current GB/T 2260 code: a province, a prefecture-level
// or a county-level unit of the embedded list. Retired codes are not valid.
func ValidRegionCode(s string) bool {
	_, ok := regions().names[s]
	return ok
}

// RegionName returns the official name of a code of the list ("110108" → "海淀区").
func RegionName(code string) (string, bool) {
	name, ok := regions().names[code]
	return name, ok
}

// RegionCodes returns the county-level codes (those not ending in "00"), ascending, as a fresh
// slice the caller may keep or change.
func RegionCodes() []string { return slices.Clone(regions().counties) }

// Province returns the province-level code of a region code (first two digits + "0000"), or ""
// when code does not start with two digits.
func Province(code string) string {
	if len(code) < 2 || !isDigits(code[:2], 2) {
		return ""
	}
	return code[:2] + "0000"
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
