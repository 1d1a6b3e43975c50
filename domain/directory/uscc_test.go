package directory

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// Real codes, each computed by hand (and by refCheck below) before being trusted. Worked example,
// 华为技术有限公司 914403001922038216:
//
//	org code 19220382: 1·3+9·7+2·9+2·10+0·5+3·8+8·4+2·2 = 164; 164 mod 11 = 10; 11-10 = 1 → '1'
//	USCC: Σ value·3^i mod 31 over "91440300192203821" = 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28
//	      = 831; 831 mod 31 = 25; 31-25 = 6 → '6'
var realUSCCs = []struct{ code, who string }{
	{"914403001922038216", "华为技术有限公司 (深圳)"},
	{"91440300708461136T", "深圳市腾讯计算机系统有限公司"},
	{"91330100799655058B", "阿里巴巴（中国）有限公司 (杭州)"},
	{"91110108551385082Q", "小米科技有限责任公司 (北京海淀)"},
	{"91110000802100433B", "北京百度网讯科技有限公司"},
	{"91350100M000100Y43", "福州市登记的企业 (org code M000100Y-4)"},
	{"91110000600037341L", "北京市登记的企业 (published example)"},
}

// refCheck is an independent, deliberately naive implementation of GB 32100 (string search and
// explicit powers of 3) to cross-check the table-driven one.
func refCheck(first17 string) byte {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * w
		w = w * 3 % 31
	}
	return alphabet[(31-sum%31)%31]
}

func refOrgCheck(body string) byte {
	const values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += strings.IndexByte(values, body[i]) * w
	}
	return "0123456789X0"[11-sum%11]
}

func TestValidateUSCCRealCodes(t *testing.T) {
	for _, c := range realUSCCs {
		if err := ValidateUSCC(c.code); err != nil {
			t.Errorf("%s (%s): %v", c.code, c.who, err)
		}
		if got := refCheck(c.code[:17]); got != c.code[17] {
			t.Errorf("%s: reference check digit %c", c.code, got)
		}
		if got := refOrgCheck(c.code[8:16]); got != c.code[16] {
			t.Errorf("%s: reference org check %c", c.code, got)
		}
	}
}

func TestValidateUSCCErrors(t *testing.T) {
	const ok = "914403001922038216"
	// withOrg keeps the overall check digit right while the organization code is wrong.
	withOrg := func(first16 string, orgCheck byte) string {
		s := first16 + string(orgCheck)
		d, err := USCCCheckDigit(s)
		if err != nil {
			t.Fatal(err)
		}
		return s + string(d)
	}
	cases := []struct {
		in, code, param string
	}{
		{"", "required", ""},
		{ok[:17], "uscc_length", "18"},
		{ok + "0", "uscc_length", "18"},
		{strings.ToLower("91440300708461136T"), "uscc_charset", "18"},
		{"9144030019220382I6", "uscc_charset", "17"},
		{"91440300O92203821" + "6", "uscc_charset", "9"},
		{"Z14403001922038216", "uscc_charset", "1"},
		{"S14403001922038216", "uscc_charset", "1"},
		{"B14403001922038216", "uscc_charset", "1"}, // B is in the alphabet but is no authority
		{"94440300192203821" + "6", "uscc_charset", "2"},
		{"Y24403001922038216", "uscc_charset", "2"},
		{"9144A3001922038216", "uscc_charset", "5"},
		{"９" + ok[1:16], "uscc_charset", "1"}, // full-width digit: 3 bytes, so 18 bytes long
		{"914403001922038217", "uscc_check_digit", ""},
		{"914403001922038226", "uscc_check_digit", ""},
		{withOrg("9144030019220382", '2'), "uscc_org_code", ""},
		{withOrg("9144030019220382", 'X'), "uscc_org_code", ""},
	}
	for _, c := range cases {
		err := ValidateUSCC(c.in)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%q: want *FieldError %s, got %v", c.in, c.code, err)
			continue
		}
		if fe.Field != "uscc" || fe.Code != c.code || fe.Param != c.param {
			t.Errorf("%q: got %+v, want code %s param %q", c.in, *fe, c.code, c.param)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: error does not wrap ErrInvalid", c.in)
		}
	}
}

func TestValidateUSCCAuthorityTypePairs(t *testing.T) {
	accepted := []string{"11", "12", "13", "19", "21", "31", "35", "36", "51", "52", "53", "54", "55", "59",
		"71", "81", "91", "92", "93", "A1", "G1", "J1", "N1", "N2", "N3", "Q1", "Y1"}
	refused := []string{"10", "14", "22", "37", "56", "94", "99", "A2", "N4", "Y2", "Y9", "B1", "C1", "01"}
	build := func(pair string) string {
		s := pair + "330106" + "MA2PBM9H"
		o, _ := OrgCodeCheckDigit(s[8:16])
		s += string(o)
		d, err := USCCCheckDigit(s)
		if err != nil {
			t.Fatal(err)
		}
		return s + string(d)
	}
	for _, p := range accepted {
		if err := ValidateUSCC(build(p)); err != nil {
			t.Errorf("pair %s refused: %v", p, err)
		}
	}
	for _, p := range refused {
		if err := ValidateUSCC(build(p)); err == nil {
			t.Errorf("pair %s accepted", p)
		}
	}
}

// Property: every single-character substitution of a valid code is refused. Positions 1-17 are
// weighted by powers of 3 mod 31, never 0, and values differ by less than the prime 31, so the
// sum always moves; position 18 is the check itself.
func TestUSCCSingleSubstitutionRefused(t *testing.T) {
	subs := usccAlphabet + "IOSVZabc-* \x00\xff"
	for _, c := range realUSCCs {
		for i := 0; i < 18; i++ {
			for j := 0; j < len(subs); j++ {
				if subs[j] == c.code[i] {
					continue
				}
				mut := c.code[:i] + string(subs[j]) + c.code[i+1:]
				if ValidateUSCC(mut) == nil {
					t.Fatalf("%s → %s accepted", c.code, mut)
				}
			}
		}
	}
}

// Property: swapping two different adjacent characters among the first 17 is refused (the
// weights 3^i mod 31 are pairwise different).
func TestUSCCAdjacentTranspositionRefused(t *testing.T) {
	for _, c := range realUSCCs {
		b := []byte(c.code)
		for i := 0; i+1 < 17; i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if ValidateUSCC(string(b)) == nil {
				t.Errorf("%s with %d↔%d swapped accepted", c.code, i+1, i+2)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
}

// Random codes built with the exported helpers are valid and agree with the reference.
func TestUSCCHelpersAgreeWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pairs := []string{"91", "92", "93", "51", "12", "Y1", "N2"}
	for n := 0; n < 20000; n++ {
		var sb strings.Builder
		sb.WriteString(pairs[r.IntN(len(pairs))])
		for i := 0; i < 6; i++ {
			sb.WriteByte(byte('0' + r.IntN(10)))
		}
		for i := 0; i < 8; i++ {
			sb.WriteByte(usccAlphabet[r.IntN(len(usccAlphabet))])
		}
		body := sb.String()[8:16]
		o, err := OrgCodeCheckDigit(body)
		if err != nil || o != refOrgCheck(body) {
			t.Fatalf("OrgCodeCheckDigit(%s) = %c, %v; reference %c", body, o, err, refOrgCheck(body))
		}
		sb.WriteByte(o)
		d, err := USCCCheckDigit(sb.String())
		if err != nil || d != refCheck(sb.String()) {
			t.Fatalf("USCCCheckDigit(%s) = %c, %v; reference %c", sb.String(), d, err, refCheck(sb.String()))
		}
		sb.WriteByte(d)
		if err := ValidateUSCC(sb.String()); err != nil {
			t.Fatalf("%s: %v", sb.String(), err)
		}
	}
}

func TestOrgCodeCheckDigit(t *testing.T) {
	cases := map[string]byte{
		"19220382": '1', // 华为
		"70846113": '6', // 腾讯
		"M000100Y": '4',
		"07837757": 'X', // 10 → X
		"00000000": '0', // 11 → 0
		"IOSVZ123": refOrgCheck("IOSVZ123"),
	}
	for body, want := range cases {
		if got, err := OrgCodeCheckDigit(body); err != nil || got != want {
			t.Errorf("OrgCodeCheckDigit(%s) = %c, %v; want %c", body, got, err, want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567a", "1234567-"} {
		if _, err := OrgCodeCheckDigit(bad); err == nil {
			t.Errorf("OrgCodeCheckDigit(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "9144030019220382", "914403001922038216", "91440300192203821I"} {
		if _, err := USCCCheckDigit(bad); err == nil {
			t.Errorf("USCCCheckDigit(%q) accepted", bad)
		}
	}
}

func FuzzValidateUSCC(f *testing.F) {
	for _, c := range realUSCCs {
		f.Add(c.code)
	}
	f.Add("")
	f.Add("91440300192203821")
	f.Add("Y1000000000000000X")
	f.Add("９1440300192203821")
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateUSCC(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "uscc" {
				t.Fatalf("%q: unexpected error %v", s, err)
			}
			switch fe.Code {
			case "required", "uscc_length", "uscc_charset", "uscc_org_code", "uscc_check_digit":
			default:
				t.Fatalf("%q: unknown code %s", s, fe.Code)
			}
			return
		}
		d, derr := USCCCheckDigit(s[:17])
		if derr != nil || d != s[17] || refCheck(s[:17]) != s[17] {
			t.Fatalf("%q accepted but check digit is %c (%v)", s, d, derr)
		}
		if o, _ := OrgCodeCheckDigit(s[8:16]); o != s[16] {
			t.Fatalf("%q accepted but org check is %c", s, o)
		}
	})
}

func BenchmarkValidateUSCC(b *testing.B) {
	for b.Loop() {
		if ValidateUSCC("91440300708461136T") != nil {
			b.Fatal("invalid")
		}
	}
}
