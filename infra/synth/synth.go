// Package synth writes deterministic, realistic demo data for the directory (一单两库): the
// inspection items, the enterprise directory and the inspector roster, as the CSV files that
// `choucha import` reads. The same Config gives byte-identical files; enterprises are streamed,
// so ten million rows need no more memory than ten.
package synth

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/choucha/choucha/domain/directory"
)

// File names Generate writes in its output directory.
const (
	ItemsFile       = "items.csv"
	EnterprisesFile = "enterprises.csv"
	InspectorsFile  = "inspectors.csv"
)

// Header rows, exactly as written (and as the importer expects them).
var (
	ItemsHeader = []string{"code", "name", "legal_basis", "department", "category", "object_type",
		"content", "method", "qualification"}
	EnterprisesHeader = []string{"uscc", "name", "legal_rep", "address", "region_code", "industry",
		"entity_type", "reg_authority", "founded_on", "status", "credit_tier", "tier_set_on",
		"abnormal", "serious_violation", "under_complaint"}
	InspectorsHeader = []string{"id", "name", "cert_no", "department", "region_code",
		"qualifications", "active", "team_leader", "expert", "conflicts"}
)

// ListSep separates the values of a list cell (qualifications, conflicts, methods).
const ListSep = ";"

// DefaultDepartments are used when Config.Departments is empty.
var DefaultDepartments = []string{"市场监管局", "生态环境局", "卫生健康委", "应急管理局"}

// Config says how much to generate. Departments default to DefaultDepartments.
type Config struct {
	Enterprises, Inspectors, Items int
	Seed                           uint64
	Departments                    []string
}

// Stats counts what Generate wrote.
type Stats struct {
	Items, Enterprises, Inspectors int
	Conflicts                      int // declared conflicts over all inspectors
	Tiers                          map[directory.Tier]int
}

// Independent PCG streams per file, so that each file depends only on the seed (and
// enterprises.csv is the same whether written by Generate or GenerateEnterprises).
const (
	streamEnterprises = 0x656e7465727072 // "enterpr"
	streamInspectors  = 0x696e7370656374 // "inspect"
	streamSample      = 0x73616d706c6521 // "sample!"
)

// conflictSample is how many generated USCCs are kept (reservoir sampling) to declare
// inspectors' conflicts against: enough variety, constant memory.
const conflictSample = 4096

func (c Config) normalized() (Config, error) {
	if c.Enterprises < 0 || c.Inspectors < 0 || c.Items < 0 {
		return c, fmt.Errorf("synth: negative count (enterprises %d, inspectors %d, items %d)",
			c.Enterprises, c.Inspectors, c.Items)
	}
	if len(c.Departments) == 0 {
		c.Departments = DefaultDepartments
	}
	seen := map[string]bool{}
	for _, d := range c.Departments {
		if strings.TrimSpace(d) != d || d == "" || utf8.RuneCountInString(d) > 100 {
			return c, fmt.Errorf("synth: bad department name %q", d)
		}
		if seen[d] {
			return c, fmt.Errorf("synth: department %q given twice", d)
		}
		seen[d] = true
	}
	c.Departments = slices.Clone(c.Departments)
	return c, nil
}

// Generate writes items.csv, enterprises.csv and inspectors.csv into outDir (created if
// missing). Each file is written under a temporary name and renamed when complete, so a
// failed run never leaves a truncated file behind under the real name.
func Generate(cfg Config, outDir string) (Stats, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("synth: %w", err)
	}
	st := Stats{Tiers: map[directory.Tier]int{}}
	items := buildItems(cfg.Items, cfg.Departments)
	err = writeFile(filepath.Join(outDir, ItemsFile), func(w io.Writer) error {
		return writeItems(w, items)
	})
	if err != nil {
		return st, err
	}
	st.Items = len(items)

	sample := newReservoir(cfg.Seed)
	err = writeFile(filepath.Join(outDir, EnterprisesFile), func(w io.Writer) error {
		return writeEnterprises(w, cfg.Enterprises, cfg.Seed, sample, &st)
	})
	if err != nil {
		return st, err
	}
	st.Enterprises = cfg.Enterprises

	err = writeFile(filepath.Join(outDir, InspectorsFile), func(w io.Writer) error {
		return writeInspectors(w, cfg, items, sample.keep, &st)
	})
	if err != nil {
		return st, err
	}
	st.Inspectors = cfg.Inspectors
	return st, nil
}

// GenerateEnterprises writes the header and n enterprise rows to w: the same bytes as the
// enterprises.csv Generate writes for this seed.
func GenerateEnterprises(w io.Writer, n int, seed uint64) error {
	if n < 0 {
		return fmt.Errorf("synth: negative count %d", n)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	st := Stats{Tiers: map[directory.Tier]int{}}
	if err := writeEnterprises(bw, n, seed, nil, &st); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

func writeFile(path string, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes 0600; these are plain data files
		return fmt.Errorf("synth: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("synth: close %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// csvWriter wraps encoding/csv so a row costs one error check and the error names the file part.
type csvWriter struct {
	w    *csv.Writer
	what string
}

func newCSV(w io.Writer, what string, header []string) (*csvWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w), what: what}
	return c, c.row(header)
}

func (c *csvWriter) row(rec []string) error {
	if err := c.w.Write(rec); err != nil {
		return fmt.Errorf("synth: write %s: %w", c.what, err)
	}
	return nil
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("synth: write %s: %w", c.what, err)
	}
	return nil
}

// ---- items -------------------------------------------------------------------------------

type itemTemplate struct {
	name, basis, category, object, content, method, qual string
}

const (
	catKey = directory.CategoryKey
	catGen = directory.CategoryGeneral
)

// catalogs hold real-world 抽查事项 of the four default departments; their Qualification
// strings are what inspectors of the department hold.
var catalogs = map[string][]itemTemplate{
	"市场监管局": {
		{"企业公示信息的抽查", "《企业信息公示暂行条例》", catGen, "企业", "年度报告和即时公示信息的真实性、及时性", "书面检查;实地检查;网络监测", "公示信息"},
		{"食品生产企业监督检查", "《中华人民共和国食品安全法》;《食品生产经营监督检查管理办法》", catKey, "食品生产者", "生产环境条件、进货查验、生产过程控制、出厂检验", "实地检查;检验检测", "食品安全"},
		{"特种设备使用单位检查", "《中华人民共和国特种设备安全法》", catKey, "特种设备使用单位", "使用登记、安全管理和作业人员持证、定期检验、维护保养记录", "实地检查;书面检查", "特种设备"},
		{"餐饮服务提供者监督检查", "《中华人民共和国食品安全法》", catKey, "餐饮服务提供者", "许可资质、从业人员健康管理、原料控制、加工制作、餐饮具清洗消毒", "实地检查", "食品安全"},
		{"个体工商户年度报告信息的抽查", "《个体工商户年度报告暂行办法》", catGen, "个体工商户", "年度报告信息的真实性", "书面检查;实地检查", "公示信息"},
		{"工业产品生产许可证获证企业检查", "《中华人民共和国工业产品生产许可证管理条例》", catKey, "获证生产企业", "生产条件保持、检验能力、产品质量", "实地检查;检验检测", "产品质量"},
		{"食品销售者监督检查", "《中华人民共和国食品安全法》", catKey, "食品销售者", "经营条件、进货查验记录、食品贮存、标签标识", "实地检查", "食品安全"},
		{"生产领域产品质量监督抽查", "《中华人民共和国产品质量法》", catGen, "产品生产企业", "产品是否符合国家标准、行业标准", "检验检测", "产品质量"},
		{"特种设备生产单位检查", "《中华人民共和国特种设备安全法》;《特种设备安全监察条例》", catKey, "特种设备生产单位", "许可条件保持、质量保证体系运转、产品质量", "实地检查", "特种设备"},
		{"农民专业合作社年度报告公示信息的抽查", "《农民专业合作社年度报告公示暂行办法》", catGen, "农民专业合作社", "年度报告公示信息的真实性", "书面检查;实地检查", "公示信息"},
		{"登记事项的检查", "《中华人民共和国市场主体登记管理条例》", catGen, "市场主体", "住所（经营场所）、经营范围、注册资本等登记事项", "实地检查;书面检查", "公示信息"},
		{"药品零售企业检查", "《中华人民共和国药品管理法》", catKey, "药品零售企业", "执业药师在岗、处方药销售、药品储存", "实地检查", "药品安全"},
		{"集贸市场和加油站计量监督检查", "《中华人民共和国计量法》", catGen, "计量器具使用者", "强制检定计量器具的检定情况、计量作弊", "实地检查;检验检测", "计量"},
		{"广告发布行为检查", "《中华人民共和国广告法》", catGen, "广告主、广告经营者、广告发布者", "广告内容的真实性、须审查广告的审查", "网络监测;书面检查", "广告监管"},
		{"明码标价和价格行为检查", "《中华人民共和国价格法》;《明码标价和禁止价格欺诈规定》", catGen, "经营者", "明码标价、价格欺诈", "实地检查;网络监测", "价格监督"},
		{"医疗器械经营企业检查", "《医疗器械监督管理条例》", catKey, "医疗器械经营企业", "经营条件、进货查验、贮存运输", "实地检查", "医疗器械"},
		{"化妆品经营者检查", "《化妆品监督管理条例》", catGen, "化妆品经营者", "进货查验、标签标识、贮存条件", "实地检查", "化妆品"},
		{"网络交易经营者检查", "《中华人民共和国电子商务法》;《网络交易监督管理办法》", catGen, "网络交易经营者", "主体信息公示、交易规则、消费者权益保护", "网络监测", "网络交易"},
	},
	"生态环境局": {
		{"排污许可执行情况检查", "《排污许可管理条例》", catKey, "排污单位", "持证排污、按证排污、自行监测、执行报告", "实地检查;书面检查", "环境执法"},
		{"危险废物规范化环境管理检查", "《中华人民共和国固体废物污染环境防治法》", catKey, "危险废物产生和经营单位", "管理计划、管理台账、转移联单、贮存设施", "实地检查;书面检查", "固体废物"},
		{"重点排污单位自动监控设施运行检查", "《中华人民共和国环境保护法》", catKey, "重点排污单位", "自动监测设备安装、联网、运行和数据真实性", "实地检查;网络监测", "环境监测"},
		{"建设项目环境影响评价制度执行情况检查", "《中华人民共和国环境影响评价法》", catGen, "建设单位", "环评审批、未批先建", "书面检查;实地检查", "环境执法"},
		{"大气污染物排放检查", "《中华人民共和国大气污染防治法》", catKey, "排污单位", "废气治理设施运行、超标排放", "实地检查;检验检测", "环境执法"},
		{"水污染物排放检查", "《中华人民共和国水污染防治法》", catKey, "排污单位", "废水处理设施运行、排放口规范化", "实地检查;检验检测", "环境执法"},
		{"建设项目环境保护设施“三同时”检查", "《建设项目环境保护管理条例》", catGen, "建设单位", "环保设施与主体工程同时设计、同时施工、同时投产使用", "实地检查", "环境执法"},
		{"工业噪声污染防治检查", "《中华人民共和国噪声污染防治法》", catGen, "工业企业", "噪声排放、防治设施运行", "实地检查;检验检测", "环境执法"},
	},
	"卫生健康委": {
		{"公共场所卫生监督检查", "《公共场所卫生管理条例》", catGen, "公共场所经营者", "卫生许可证、从业人员健康合格证明、卫生检测", "实地检查", "公共卫生"},
		{"用人单位职业病防治检查", "《中华人民共和国职业病防治法》", catKey, "用人单位", "职业病危害项目申报、检测评价、劳动者职业健康检查", "实地检查;书面检查", "职业卫生"},
		{"医疗机构依法执业检查", "《医疗机构管理条例》", catKey, "医疗机构", "执业许可、人员资质、诊疗科目", "实地检查;书面检查", "医疗卫生"},
		{"集中式供水单位卫生监督检查", "《生活饮用水卫生监督管理办法》", catKey, "集中式供水单位", "卫生许可、水质检测、从业人员健康", "实地检查;检验检测", "公共卫生"},
		{"消毒产品生产企业检查", "《消毒管理办法》", catGen, "消毒产品生产企业", "生产条件、产品卫生安全评价", "实地检查;检验检测", "公共卫生"},
		{"放射诊疗机构检查", "《放射诊疗管理规定》", catKey, "放射诊疗机构", "放射诊疗许可、防护设施、人员剂量监测", "实地检查", "放射卫生"},
	},
	"应急管理局": {
		{"工贸企业安全生产检查", "《中华人民共和国安全生产法》", catGen, "工贸企业", "安全生产责任制、隐患排查治理、安全培训", "实地检查;书面检查", "安全生产"},
		{"危险化学品生产企业安全生产检查", "《中华人民共和国安全生产法》;《危险化学品安全管理条例》", catKey, "危险化学品生产企业", "安全生产许可、重大危险源管控、安全设施", "实地检查;专业机构辅助", "危险化学品"},
		{"粉尘涉爆企业检查", "《工贸企业粉尘防爆安全规定》", catKey, "粉尘涉爆企业", "除尘系统、防爆措施、粉尘清扫制度", "实地检查;专业机构辅助", "安全生产"},
		{"危险化学品经营企业检查", "《危险化学品安全管理条例》", catKey, "危险化学品经营企业", "经营许可、储存条件、安全管理制度", "实地检查", "危险化学品"},
		{"有限空间作业检查", "《工贸企业有限空间作业安全规定》", catGen, "工贸企业", "有限空间辨识、作业审批、应急救援", "实地检查", "安全生产"},
		{"非煤矿山安全生产检查", "《中华人民共和国矿山安全法》", catKey, "非煤矿山企业", "安全生产许可、采掘工艺、通风排水", "实地检查;专业机构辅助", "非煤矿山"},
		{"烟花爆竹经营单位检查", "《烟花爆竹安全管理条例》", catKey, "烟花爆竹经营单位", "经营许可、储存仓库、限量存放", "实地检查", "安全生产"},
		{"安全生产培训情况检查", "《中华人民共和国安全生产法》;《安全生产培训管理办法》", catGen, "生产经营单位", "主要负责人和安全管理人员培训考核、特种作业人员持证", "书面检查", "安全生产"},
	},
}

// genericCatalog serves a department without a catalog of its own: the name is prefixed.
var genericCatalog = []itemTemplate{
	{"日常监督检查", "《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）", catGen, "市场主体", "法律法规规定的义务履行情况", "实地检查;书面检查", "行政执法"},
	{"许可事项事中事后检查", "《中华人民共和国行政许可法》", catKey, "被许可人", "许可条件保持、按许可事项从事活动", "实地检查", "行政执法"},
	{"信息报送和公示情况检查", "《企业信息公示暂行条例》", catGen, "市场主体", "依法报送和公示信息的真实性", "书面检查;网络监测", "行政执法"},
}

func catalogOf(dept string) []itemTemplate {
	if c, ok := catalogs[dept]; ok {
		return c
	}
	out := make([]itemTemplate, len(genericCatalog))
	for i, t := range genericCatalog {
		t.name = dept + t.name
		out[i] = t
	}
	return out
}

// buildItems spreads n items round-robin over the departments, walking each catalog in order;
// past the end of a catalog an item repeats as a numbered 专项 (special campaign).
func buildItems(n int, depts []string) []directory.Item {
	cats := make([][]itemTemplate, len(depts))
	for i, d := range depts {
		cats[i] = catalogOf(d)
	}
	items := make([]directory.Item, n)
	for i := range items {
		d := i % len(depts)
		j := i / len(depts)
		t := cats[d][j%len(cats[d])]
		name := t.name
		if round := j / len(cats[d]); round > 0 {
			name += "（专项" + strconv.Itoa(round) + "）"
		}
		items[i] = directory.Item{
			Code: fmt.Sprintf("SJ-2024-%03d", i+1), Name: name, LegalBasis: t.basis,
			Department: depts[d], Category: t.category, ObjectType: t.object,
			Content: t.content, Method: t.method, Qualification: t.qual,
		}
	}
	return items
}

func writeItems(w io.Writer, items []directory.Item) error {
	c, err := newCSV(w, ItemsFile, ItemsHeader)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := c.row([]string{it.Code, it.Name, it.LegalBasis, it.Department, it.Category,
			it.ObjectType, it.Content, it.Method, it.Qualification}); err != nil {
			return err
		}
	}
	return c.flush()
}

// ---- regions -----------------------------------------------------------------------------

// place is everything a row needs about one county-level region, computed once per run.
type place struct {
	code      string
	address   string    // "浙江省杭州市西湖区"
	county    string    // "西湖区"
	local     string    // prefix for an individual business: "杭州市西湖区"
	short     string    // name prefix for a company: "杭州"
	province  string    // short province name: "浙江"
	authCode  [3]string // registration authority region: county, prefecture, province
	authority [3]string // its name: "杭州市西湖区市场监督管理局", …
}

var provinceShort = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
	"23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
	"37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
	"63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}

func isMunicipality(code string) bool {
	switch code[:2] {
	case "11", "12", "31", "50":
		return true
	}
	return false
}

func buildPlaces() []place {
	codes := directory.RegionCodes()
	out := make([]place, 0, len(codes))
	const bureau = "市场监督管理局"
	for _, code := range codes {
		county, _ := directory.RegionName(code)
		provCode := directory.Province(code)
		prov, _ := directory.RegionName(provCode)
		prefCode := code[:4] + "00"
		pref, hasPref := directory.RegionName(prefCode)
		p := place{code: code, county: county, province: provinceShort[code[:2]]}
		p.authCode[2], p.authority[2] = provCode, prov+bureau
		switch {
		case isMunicipality(code):
			p.address = prov + county
			p.local = p.address
			p.short = p.province
			p.authCode[0], p.authority[0] = code, prov+county+bureau
			p.authCode[1], p.authority[1] = provCode, prov+bureau
		case hasPref:
			p.address = prov + pref + county
			p.local = pref + county
			p.short = p.province
			if s, ok := strings.CutSuffix(pref, "市"); ok && utf8.RuneCountInString(s) >= 2 {
				p.short = s
			}
			// Districts are named with their city (杭州市西湖区…); counties and county-level
			// cities stand alone (安图县…, 义乌市…), as the bureaus call themselves.
			if strings.HasSuffix(county, "区") {
				p.authority[0] = pref + county + bureau
			} else {
				p.authority[0] = county + bureau
				p.local = county
			}
			p.authCode[0] = code
			p.authCode[1], p.authority[1] = prefCode, pref+bureau
		default: // 省直辖县级行政单位 (仙桃市, 石河子市, …)
			p.address = prov + county
			p.local = county
			p.short = p.province
			if s, ok := strings.CutSuffix(county, "市"); ok && utf8.RuneCountInString(s) >= 2 {
				p.short = s
			}
			p.authCode[0], p.authority[0] = code, county+bureau
			p.authCode[1], p.authority[1] = provCode, prov+bureau
		}
		out = append(out, p)
	}
	return out
}

// ---- enterprises -------------------------------------------------------------------------

// weighted picks an index by integer weights (shares per mille, say) with one IntN call.
type weighted struct {
	cum   []int
	total int
}

func newWeighted(ws ...int) weighted {
	w := weighted{cum: make([]int, len(ws))}
	for i, x := range ws {
		w.total += x
		w.cum[i] = w.total
	}
	return w
}

func (w weighted) pick(r *rand.Rand) int {
	x := r.IntN(w.total)
	i, _ := slices.BinarySearch(w.cum, x+1)
	return i
}

var (
	entityTypes = []string{"企业", "个体工商户", "农民专业合作社", "外国企业常驻代表机构"}
	entityPick  = newWeighted(600, 370, 25, 5)
	// USCC characters 1-2 per entity type: 91 企业, 92 个体工商户, 93 农民专业合作社; the
	// representative offices are registered by the same bureaus as enterprises.
	entityPair = []string{"91", "92", "93", "91"}

	statuses   = []string{"存续", "在业", "注销", "吊销", "迁出", "撤销"}
	statusPick = newWeighted(930, 20, 30, 15, 4, 1)

	tiers    = []directory.Tier{"A", "B", "C", "D"}
	tierPick = newWeighted(700, 200, 70, 30)
	// Per-tier chance (per mille) of each flag: a riskier tier is where listed and complained-
	// about enterprises sit, without changing the tier shares themselves.
	abnormalByTier  = [4]int{5, 30, 150, 350}
	seriousByTier   = [4]int{0, 0, 10, 150}
	complaintByTier = [4]int{10, 30, 60, 100}

	authLevelPick = newWeighted(80, 15, 5) // county, prefecture, province bureau

	companyForms    = []string{"有限公司", "有限责任公司", "股份有限公司", "集团有限公司"}
	companyFormPick = newWeighted(850, 100, 35, 15)

	tradeChars = []rune("华信达盛鑫源恒泰隆和瑞祥嘉宏远博创德福兴金海天明安康新益润丰锦晟骏卓铭正荣智诚凯顺永众合通立尚腾航汇星云峰宇辰悦启睿辉鼎诺维铂佳昊")

	// Common surnames come first: personName draws from a random prefix, which favours them.
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国文红玉兰志梅鹏飞斌宇浩凯秀云辉鑫波宁琳婷雪峰晨欣子涵梓轩博晓东海燕亮林俊佳莉颖倩春光瑞")

	roads = []string{"人民路", "解放路", "建设路", "中山路", "文化路", "新华路", "胜利路", "和平路",
		"长江路", "黄河路", "东风路", "工业路", "幸福路", "光明路", "青年路", "朝阳路", "学院路",
		"滨江路", "迎宾大道", "世纪大道", "开发区大道", "科技路", "创业路", "健康路", "花园路",
		"府前街", "北大街", "南大街", "站前路", "振兴路", "团结路", "育才路", "环城东路", "环城西路"}

	foreignOrigins = []struct{ country, form string }{
		{"日本", "株式会社"}, {"韩国", "株式会社"}, {"美国", "有限公司"}, {"德国", "有限公司"},
		{"新加坡", "私人有限公司"}, {"香港", "有限公司"}, {"英国", "有限公司"}, {"法国", "股份有限公司"},
	}
)

// industry is a 国民经济行业 section with the words that end names in it.
type industry struct {
	name  string
	words []string
}

var (
	companyIndustries = []industry{
		{"批发和零售业", []string{"商贸", "贸易", "百货", "食品销售", "医药连锁", "建材"}},
		{"制造业", []string{"机械制造", "电子", "塑料制品", "食品", "服饰", "新材料", "化工"}},
		{"信息传输、软件和信息技术服务业", []string{"科技", "网络科技", "信息技术", "软件"}},
		{"租赁和商务服务业", []string{"企业管理咨询", "商务咨询", "广告", "人力资源"}},
		{"建筑业", []string{"建筑工程", "装饰工程", "建设"}},
		{"住宿和餐饮业", []string{"餐饮管理", "酒店管理"}},
		{"科学研究和技术服务业", []string{"技术服务", "检测技术", "工程设计"}},
		{"交通运输、仓储和邮政业", []string{"物流", "运输", "供应链管理"}},
		{"房地产业", []string{"房地产开发", "物业管理"}},
		{"居民服务、修理和其他服务业", []string{"家政服务", "汽车服务"}},
		{"文化、体育和娱乐业", []string{"文化传媒", "体育发展"}},
		{"农、林、牧、渔业", []string{"农业开发", "生态农业"}},
		{"卫生和社会工作", []string{"医疗管理", "健康管理"}},
		{"电力、热力、燃气及水生产和供应业", []string{"燃气", "新能源"}},
		{"采矿业", []string{"矿业"}},
	}
	companyIndustryPick = newWeighted(300, 160, 110, 90, 70, 50, 50, 40, 30, 30, 20, 20, 15, 10, 5)

	shopIndustries = []industry{
		{"批发和零售业", []string{"便利店", "超市", "五金店", "水果店", "烟酒店", "服装店", "日用品商行", "建材经营部"}},
		{"住宿和餐饮业", []string{"小吃店", "餐馆", "面馆", "饭店", "奶茶店"}},
		{"居民服务、修理和其他服务业", []string{"理发店", "美容店", "汽车修理部", "洗衣店", "家电维修部"}},
	}
	shopIndustryPick = newWeighted(55, 30, 15)

	coopWords = []string{"种植", "养殖", "果蔬", "茶叶", "农机", "中药材", "食用菌"}
)

// founded dates run from 1990 to 2025, skewed to recent years as registrations grew (about
// two thirds in the last ten years).
var foundedBase = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

const foundedDays = 36*365 + 9 // 1990-01-01 … 2025-12-31

// orgSpace hands out unique 8-character organization-code bodies through a keyed Feistel
// permutation of a counter: old-style numeric codes (10^8 of them) for entities founded before
// the 2015 reform, "MA" + 6 characters (31^6) after it. No set of issued codes is kept.
type orgSpace struct {
	numeric, ma feistel
	nNum, nMA   uint64
}

type feistel struct {
	half uint64 // the domain is half × half
	keys [4]uint64
}

func (f feistel) permute(x uint64) uint64 {
	l, r := x/f.half, x%f.half
	for _, k := range f.keys {
		l, r = r, (l+mix64(r^k)%f.half)%f.half
	}
	return l*f.half + r
}

func mix64(x uint64) uint64 { // splitmix64's finalizer
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func newOrgSpace(seed uint64) *orgSpace {
	o := &orgSpace{numeric: feistel{half: 10000}, ma: feistel{half: 31 * 31 * 31}}
	for i := range 4 {
		o.numeric.keys[i] = mix64(seed ^ uint64(0x100+i))
		o.ma.keys[i] = mix64(seed ^ uint64(0x200+i))
	}
	return o
}

const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// next writes the 8 body characters into b.
func (o *orgSpace) next(b []byte, old bool) error {
	if old && o.nNum < o.numeric.half*o.numeric.half {
		x := o.numeric.permute(o.nNum)
		o.nNum++
		for i := 7; i >= 0; i-- {
			b[i] = byte('0' + x%10)
			x /= 10
		}
		return nil
	}
	if o.nMA >= o.ma.half*o.ma.half {
		return errors.New("synth: organization codes exhausted")
	}
	x := o.ma.permute(o.nMA)
	o.nMA++
	b[0], b[1] = 'M', 'A'
	for i := 7; i >= 2; i-- {
		b[i] = alphabet[x%31]
		x /= 31
	}
	return nil
}

// reservoir keeps a uniform sample of the generated USCCs, with its own random stream so that
// sampling does not change the enterprise rows.
type reservoir struct {
	r    *rand.Rand
	seen int
	keep []string
}

func newReservoir(seed uint64) *reservoir {
	return &reservoir{r: rand.New(rand.NewPCG(seed, streamSample))}
}

func (s *reservoir) add(uscc string) {
	s.seen++
	if len(s.keep) < conflictSample {
		s.keep = append(s.keep, uscc)
	} else if j := s.r.IntN(s.seen); j < conflictSample {
		s.keep[j] = uscc
	}
}

func writeEnterprises(w io.Writer, n int, seed uint64, sample *reservoir, st *Stats) error {
	c, err := newCSV(w, EnterprisesFile, EnterprisesHeader)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, streamEnterprises))
	places := buildPlaces()
	orgs := newOrgSpace(seed)
	rec := make([]string, len(EnterprisesHeader))
	var code [18]byte
	var sb strings.Builder
	for range n {
		p := &places[r.IntN(len(places))]
		et := entityPick.pick(r)
		founded := foundedBase.AddDate(0, 0, foundedDays-1-int(float64(foundedDays)*cube(r.Float64())))

		// USCC: authority/type, the registering bureau's region, the org code and checks.
		lvl := authLevelPick.pick(r)
		if et == 1 || et == 2 { // individual businesses and co-operatives register locally
			lvl = 0
		}
		copy(code[0:2], entityPair[et])
		copy(code[2:8], p.authCode[lvl])
		if err := orgs.next(code[8:16], et != 1 && founded.Year() < 2016); err != nil {
			return err
		}
		oc, err := directory.OrgCodeCheckDigit(string(code[8:16]))
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		code[16] = oc
		cd, err := directory.USCCCheckDigit(string(code[:17]))
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		code[17] = cd
		uscc := string(code[:])

		sb.Reset()
		trade := string(tradeChars[r.IntN(len(tradeChars))]) + string(tradeChars[r.IntN(len(tradeChars))])
		var ind string
		switch et {
		case 0: // 杭州明德科技有限公司, 浙江明德科技有限公司, 明德科技（杭州）有限公司
			in := companyIndustries[companyIndustryPick.pick(r)]
			ind = in.name
			word := in.words[r.IntN(len(in.words))]
			form := companyForms[companyFormPick.pick(r)]
			switch x := r.IntN(100); {
			case x < 60:
				sb.WriteString(p.short + trade + word + form)
			case x < 80:
				sb.WriteString(p.province + trade + word + form)
			default:
				sb.WriteString(trade + word + "（" + p.short + "）" + form)
			}
		case 1: // 杭州市西湖区明德便利店 or 明德便利店
			in := shopIndustries[shopIndustryPick.pick(r)]
			ind = in.name
			if r.IntN(2) == 0 {
				sb.WriteString(p.local)
			}
			sb.WriteString(trade + in.words[r.IntN(len(in.words))])
		case 2: // 安图县明德种植专业合作社
			ind = "农、林、牧、渔业"
			sb.WriteString(p.local + trade + coopWords[r.IntN(len(coopWords))] + "专业合作社")
		default: // 日本明德株式会社杭州代表处
			ind = "租赁和商务服务业"
			rc := foreignOrigins[r.IntN(len(foreignOrigins))]
			sb.WriteString(rc.country + trade + rc.form + p.short + "代表处")
		}
		name := sb.String()

		ti := tierPick.pick(r)
		st.Tiers[tiers[ti]]++
		tierDate := "2026-02-01" // the latest monthly refresh; a few were not refreshed since January
		if r.IntN(100) < 15 {
			tierDate = "2026-01-01"
		}

		rec[0] = uscc
		rec[1] = name
		rec[2] = personName(r)
		rec[3] = p.address + roads[r.IntN(len(roads))] + strconv.Itoa(1+r.IntN(999)) + "号"
		if r.IntN(3) == 0 {
			rec[3] += strconv.Itoa(1+r.IntN(30)) + "幢" + strconv.Itoa((1+r.IntN(20))*100+1+r.IntN(30)) + "室"
		}
		rec[4] = p.code
		rec[5] = ind
		rec[6] = entityTypes[et]
		rec[7] = p.authority[lvl]
		rec[8] = founded.Format(directory.DateLayout)
		rec[9] = statuses[statusPick.pick(r)]
		rec[10] = string(tiers[ti])
		rec[11] = tierDate
		rec[12] = strconv.FormatBool(r.IntN(1000) < abnormalByTier[ti])
		rec[13] = strconv.FormatBool(r.IntN(1000) < seriousByTier[ti])
		rec[14] = strconv.FormatBool(r.IntN(1000) < complaintByTier[ti])
		if err := c.row(rec); err != nil {
			return err
		}
		if sample != nil {
			sample.add(uscc)
		}
	}
	return c.flush()
}

func cube(x float64) float64 { return x * x * x }

// personName draws a surname (skewed to the common ones) and a one- or two-character given name.
func personName(r *rand.Rand) string {
	s := surnames[r.IntN(1+r.IntN(len(surnames)))]
	g := string(givenChars[r.IntN(len(givenChars))])
	if r.IntN(10) < 6 {
		g += string(givenChars[r.IntN(len(givenChars))])
	}
	return string(s) + g
}

// ---- inspectors --------------------------------------------------------------------------

func writeInspectors(w io.Writer, cfg Config, items []directory.Item, sample []string, st *Stats) error {
	c, err := newCSV(w, InspectorsFile, InspectorsHeader)
	if err != nil {
		return err
	}
	// Qualifications an inspector of each department may hold: those its items require, in
	// item order, or its catalog's when it has no item.
	quals := make([][]string, len(cfg.Departments))
	for d, dept := range cfg.Departments {
		for _, it := range items {
			if it.Department == dept && it.Qualification != "" && !slices.Contains(quals[d], it.Qualification) {
				quals[d] = append(quals[d], it.Qualification)
			}
		}
		if len(quals[d]) == 0 {
			for _, t := range catalogOf(dept) {
				if !slices.Contains(quals[d], t.qual) {
					quals[d] = append(quals[d], t.qual)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(cfg.Seed, streamInspectors))
	places := buildPlaces()
	rec := make([]string, len(InspectorsHeader))
	var picked []string
	for i := range cfg.Inspectors {
		d := i % len(cfg.Departments)
		p := &places[r.IntN(len(places))]
		region := p.code
		switch x := r.IntN(100); {
		case x < 35:
			region = p.authCode[1] // a municipal bureau
		case x < 45:
			region = p.authCode[2] // a provincial one
		}

		pool := quals[d]
		k := min(1+r.IntN(3), len(pool))
		picked = picked[:0]
		for _, j := range r.Perm(len(pool))[:k] {
			picked = append(picked, pool[j])
		}
		slices.Sort(picked)
		q := strings.Join(picked, ListSep)

		conflicts := ""
		if len(sample) > 0 && r.IntN(100) < 2 {
			a := sample[r.IntN(len(sample))]
			conflicts = a
			st.Conflicts++
			if r.IntN(10) < 3 {
				if b := sample[r.IntN(len(sample))]; b != a {
					conflicts = strings.Join([]string{min(a, b), max(a, b)}, ListSep)
					st.Conflicts++
				}
			}
		}

		rec[0] = fmt.Sprintf("INS%06d", i+1)
		rec[1] = personName(r)
		rec[2] = region[:4] + fmt.Sprintf("%02d%07d", d+1, i+1)
		rec[3] = cfg.Departments[d]
		rec[4] = region
		rec[5] = q
		rec[6] = strconv.FormatBool(r.IntN(100) < 97)
		rec[7] = strconv.FormatBool(r.IntN(100) < 15)
		rec[8] = strconv.FormatBool(r.IntN(100) < 5)
		rec[9] = conflicts
		if err := c.row(rec); err != nil {
			return err
		}
	}
	return c.flush()
}
