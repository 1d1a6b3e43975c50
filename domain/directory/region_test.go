package directory

import (
	"slices"
	"strings"
	"testing"
)

func TestRegionListShape(t *testing.T) {
	tab, err := parseRegions(regionsTxt)
	if err != nil {
		t.Fatal(err)
	}
	var provinces, prefectures, counties int
	seen := map[string]bool{}
	prev := ""
	for _, line := range strings.Split(regionsTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, _ := strings.Cut(line, "\t")
		if !isDigits(code, 6) || strings.TrimSpace(name) != name || name == "" {
			t.Fatalf("bad line %q", line)
		}
		if seen[code] {
			t.Fatalf("duplicate %s", code)
		}
		if code <= prev {
			t.Fatalf("%s after %s: not ascending", code, prev)
		}
		seen[code], prev = true, code
		switch {
		case strings.HasSuffix(code, "0000"):
			provinces++
		case strings.HasSuffix(code, "00"):
			prefectures++
		default:
			counties++
		}
		if !seen[Province(code)] {
			t.Errorf("%s %s: province %s missing", code, name, Province(code))
		}
		// A county's prefecture is listed unless it is directly under the province
		// (municipalities, 省直辖县级行政单位 such as 429004 仙桃市).
		if pref := code[:4] + "00"; !strings.HasSuffix(code, "00") && !seen[pref] &&
			!slices.Contains([]string{"11", "12", "31", "50"}, code[:2]) && code[2:4] != "90" {
			t.Errorf("%s %s: prefecture %s missing", code, name, pref)
		}
	}
	if len(seen) != len(tab.names) || len(seen) < 3200 {
		t.Fatalf("%d codes (%d parsed)", len(seen), len(tab.names))
	}
	// 34 provincial units, 333 prefecture-level, 2,845 county-level (2025 edition).
	if provinces != 34 || prefectures != 333 || counties != 2845 {
		t.Errorf("levels: %d/%d/%d, want 34/333/2845", provinces, prefectures, counties)
	}
}

func TestValidRegionCode(t *testing.T) {
	known := map[string]string{
		"110000": "北京市", "110101": "东城区", "110108": "海淀区", "310115": "浦东新区",
		"330106": "西湖区", "440305": "南山区", "441900": "东莞市", "429004": "仙桃市",
		"500157": "两江新区", "653229": "和安县", "659012": "白杨市", "820000": "澳门特别行政区",
	}
	for code, want := range known {
		if !ValidRegionCode(code) {
			t.Errorf("%s refused", code)
		}
		if got, ok := RegionName(code); !ok || got != want {
			t.Errorf("RegionName(%s) = %q, %v; want %q", code, got, ok, want)
		}
	}
	// 110100 市辖区 is no unit of the list; 500105 江北区 was retired in 2025.
	for _, bad := range []string{"", "000000", "999999", "11010", "1101011", "abcdef", "11010a",
		" 110101", "110101\t", "110100", "500105", "130171"} {
		if ValidRegionCode(bad) {
			t.Errorf("%q accepted", bad)
		}
		if _, ok := RegionName(bad); ok {
			t.Errorf("RegionName(%q) found", bad)
		}
	}
}

func TestRegionCodes(t *testing.T) {
	codes := RegionCodes()
	if len(codes) != 2845 || !slices.IsSorted(codes) {
		t.Fatalf("%d codes, sorted %v", len(codes), slices.IsSorted(codes))
	}
	for _, c := range codes {
		if strings.HasSuffix(c, "00") || !ValidRegionCode(c) {
			t.Fatalf("%s is no county-level code", c)
		}
	}
	codes[0] = "x"
	if RegionCodes()[0] == "x" {
		t.Fatal("RegionCodes shares its backing array")
	}
}

func TestProvince(t *testing.T) {
	cases := map[string]string{"110108": "110000", "330106": "330000", "65": "650000", "": "", "1": "", "a10000": ""}
	for in, want := range cases {
		if got := Province(in); got != want {
			t.Errorf("Province(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRegionsRejectsMalformed(t *testing.T) {
	for _, txt := range []string{"11000 北京市\n", "110000\t\n", "110000 北京市\n", "110000\t北京市\n110000\t北京\n"} {
		if _, err := parseRegions(txt); err == nil {
			t.Errorf("%q accepted", txt)
		}
	}
}
