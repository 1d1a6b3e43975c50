package directory

import "strconv"

// GB 32100-2015 统一社会信用代码 (USCC), 18 characters:
//
//	1      登记管理部门码 (registration authority)
//	2      机构类别码 (entity type within that authority)
//	3-8    登记管理机关行政区划码 (GB/T 2260, digits)
//	9-17   主体标识码 = 组织机构代码 (GB 11714: 8 body characters + its own check character)
//	18     校验码 (mod 31 over characters 1-17)
//
// The character set is 0-9 and A-Z without I, O, S, V, Z (they look like 1, 0, 5, U, 2).

// usccAlphabet lists the 31 USCC characters; a character's index is its value in the check sum.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue maps a byte to its USCC value, or -1 outside the alphabet (a table keeps the hot
// path allocation free: the directory validates millions of codes on import).
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		t[usccAlphabet[i]] = int8(i)
	}
	return t
}()

// usccWeights are 3^(i) mod 31 for i = 0…16, as the standard defines them.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights of the 8 body characters of an organization code.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// usccTypes lists, per registration-authority code, the entity-type codes issued under it: the
// table of GB 32100-2015 plus the authorities and types added to the code list since (军队 A,
// 公安 G, 住建 J, 农业农村 N, 侨联 Q, 商事调解组织 36, 村/居民委员会 54/55, 非法人工会 82). We
// accept every listed pair so that no real code is refused; anything else is a typo.
var usccTypes = map[byte]string{
	'1': "1239",    // 机构编制: 机关, 事业单位, 编办直管的群众团体, 其他
	'2': "19",      // 外交: 外国常驻新闻机构, 其他
	'3': "1234569", // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 商事调解组织, 其他
	'4': "19",      // 文化: 外国在华文化中心, 其他
	'5': "123459",  // 民政: 社会团体, 民办非企业单位, 基金会, 村民委员会, 居民委员会, 其他
	'6': "129",     // 旅游: 外国、港澳台旅游部门常驻代表机构, 其他
	'7': "129",     // 宗教: 宗教活动场所, 宗教院校, 其他
	'8': "129",     // 工会: 基层工会, 非法人工会组织, 其他
	'9': "123",     // 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
	'A': "19",      // 中央军委改革和编制办公室: 军队事业单位, 其他
	'G': "19",      // 公安: 境外非政府组织代表机构, 其他
	'J': "19",      // 住房城乡建设: 业主大会, 其他
	'N': "1239",    // 农业农村: 组级、村级、乡镇级集体经济组织, 其他
	'Q': "1239",    // 侨联: 区县级、乡镇级、村级侨联组织, 其他
	'Y': "1",       // 其他
}

// ValidateUSCC checks a unified social credit code exactly as written (upper case, no spaces;
// callers normalise first). The error is a *FieldError on field "uscc" with code "required",
// "uscc_length", "uscc_charset" (Param: the 1-based position of the first bad character, also
// for an unknown authority/type pair or a letter in the region digits), "uscc_check_digit"
// (character 18) or "uscc_org_code" (the GB 11714 check character, position 17).
func ValidateUSCC(s string) error {
	if s == "" {
		return usccErr("required", "")
	}
	if len(s) != 18 {
		return usccErr("uscc_length", "18")
	}
	for i := 0; i < 18; i++ {
		if usccValue[s[i]] < 0 {
			return usccErr("uscc_charset", strconv.Itoa(i+1))
		}
	}
	types, ok := usccTypes[s[0]]
	if !ok {
		return usccErr("uscc_charset", "1")
	}
	if !containsByte(types, s[1]) {
		return usccErr("uscc_charset", "2")
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return usccErr("uscc_charset", strconv.Itoa(i+1))
		}
	}
	// The overall check digit first: it covers every position, so a typo anywhere reports the
	// same way; the organization-code check then catches codes built from a wrong org code.
	if usccAlphabet[usccCheck(s[:17])] != s[17] {
		return usccErr("uscc_check_digit", "")
	}
	if orgCheck(s[8:16]) != s[16] {
		return usccErr("uscc_org_code", "")
	}
	return nil
}

// USCCCheckDigit returns the 18th character for the first 17 characters of a USCC. It checks
// only length and character set, so generators can build codes piece by piece.
func USCCCheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, usccErr("uscc_length", "17")
	}
	for i := 0; i < 17; i++ {
		if usccValue[first17[i]] < 0 {
			return 0, usccErr("uscc_charset", strconv.Itoa(i+1))
		}
	}
	return usccAlphabet[usccCheck(first17)], nil
}

// OrgCodeCheckDigit returns the GB 11714 check character ('0'-'9' or 'X') for the 8 body
// characters of an organization code (digits and upper-case letters A-Z).
func OrgCodeCheckDigit(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, &FieldError{Field: "org_code", Code: "org_code_length", Param: "8"}
	}
	for i := 0; i < 8; i++ {
		if orgValue(first8[i]) < 0 {
			return 0, &FieldError{Field: "org_code", Code: "org_code_charset", Param: strconv.Itoa(i + 1)}
		}
	}
	return orgCheck(first8), nil
}

// usccCheck is the index of the check character; s holds 17 characters of the alphabet.
func usccCheck(s string) int {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(usccValue[s[i]]) * usccWeights[i]
	}
	return (31 - sum%31) % 31 // 31 - 0 = 31 stands for '0'
}

// orgValue is the GB 11714 value: digits 0-9, letters A=10 … Z=35 (the full Latin alphabet,
// unlike the USCC's own table).
func orgValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// orgCheck computes C9 = 11 - (Σ Ci·Wi mod 11); 10 is written 'X' and 11 is written '0'.
func orgCheck(s string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		sum += orgValue(s[i]) * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func usccErr(code, param string) error {
	return &FieldError{Field: "uscc", Code: code, Param: param}
}
