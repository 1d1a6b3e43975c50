package web

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// resultVocabulary is the result list in its canonical order (DOMAIN "Result vocabulary").
var resultVocabulary = inspection.Results

var resultEN = map[string]string{
	"未发现问题":             "No problem found",
	"未按规定公示应当公示的信息":     "Did not disclose information as required",
	"公示信息隐瞒真实情况弄虚作假":    "Disclosed information concealed facts or was falsified",
	"通过登记的住所（经营场所）无法联系": "Cannot be reached at the registered address",
	"不配合检查情节严重":         "Seriously obstructed the inspection",
	"未发现开展本次抽查涉及的经营活动":  "Not engaged in the activities inspected",
	"发现问题已责令改正":         "Problem found; ordered to correct",
	"发现问题待后续处理":         "Problem found; follow-up pending",
	"已关闭停业或正在组织清算":      "Closed, suspended or in liquidation",
	"注销":                "Deregistered",
	"被吊销":               "Business licence revoked",
	"被撤销":               "Registration cancelled",
	"迁出":                "Moved out of the jurisdiction",
}

// hasProblem: a problem was found (rule 12), as the inspection domain defines it.
func hasProblem(results []string) bool { return inspection.HasProblem(results) }

func isProblem(r string) bool { return slices.Contains(inspection.Problems, r) }

func resultName(l validation.Lang, r string) string {
	if l == validation.EN {
		if s, ok := resultEN[r]; ok {
			return s
		}
	}
	return r
}

func itoa(n int) string { return strconv.Itoa(n) }

// tr words a key in l, formatting args into it if given. A missing key shows as itself.
func tr(l validation.Lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if l == validation.EN {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func hasKey(key string) bool { _, ok := messages[key]; return ok }

// wordIssues words field issues with the field's label in l; the codes are those of
// infra/validation plus this package's own.
func wordIssues(l validation.Lang, issues []commands.Issue) []commands.Issue {
	out := make([]commands.Issue, len(issues))
	for i, is := range issues {
		label := is.Field
		if hasKey("field." + is.Field) {
			label = tr(l, "field."+is.Field)
		}
		if is.Message == "" {
			if hasKey("issue." + is.Code) {
				is.Message = tr(l, "issue."+is.Code, label, is.Param)
			} else {
				is.Message = validation.Message(l, is.Code, label, is.Param)
			}
		}
		out[i] = is
	}
	return out
}

var planStates = map[plan.State][2]string{
	plan.StateDraft:        {"草稿", "Draft"},
	plan.StateAnnounced:    {"已公告", "Announced"},
	plan.StateSeedRevealed: {"已公布随机种子", "Seed revealed"},
	plan.StateDrawn:        {"已抽取检查对象", "Enterprises drawn"},
	plan.StateAssigned:     {"已选派检查人员", "Inspectors assigned"},
}

// table is the data of the shared disclosure table.
type table struct {
	Page         page
	Rows         []projections.DisclosureRecord
	Caption      string
	NoEnterprise bool
}

func funcs(l validation.Lang) template.FuncMap {
	pick := func(m [2]string) string {
		if l == validation.EN {
			return m[1]
		}
		return m[0]
	}
	return template.FuncMap{
		"T": func(key string, args ...any) string { return tr(l, key, args...) },
		"htmlLang": func() string {
			if l == validation.EN {
				return "en"
			}
			return "zh-CN"
		},
		"navKeys": func() []string { return []string{"disclosures", "plans", "stats", "reports"} },
		"tableOf": func(p page, rows []projections.DisclosureRecord, opts ...string) table {
			t := table{Page: p, Rows: rows}
			if len(opts) > 0 {
				t.Caption = opts[0]
			}
			t.NoEnterprise = len(opts) > 1 && opts[1] == "noenterprise"
			return t
		},
		"join":    strings.Join,
		"result":  func(r string) string { return resultName(l, r) },
		"problem": isProblem,
		"state": func(s plan.State) string {
			if m, ok := planStates[s]; ok {
				return pick(m)
			}
			return string(s)
		},
		"mode": func(m string) string {
			switch {
			case l == validation.EN && m == plan.ModeTargeted:
				return "Targeted (定向)"
			case l == validation.EN && m == plan.ModeUntargeted:
				return "Untargeted (不定向)"
			}
			return m
		},
		"category": func(c string) string {
			switch {
			case l == validation.EN && c == "重点":
				return "Key (重点)"
			case l == validation.EN && c == "一般":
				return "General (一般)"
			}
			return c
		},
		"seedType": func(t string) string {
			switch t {
			case plan.SeedLottery:
				return pick([2]string{"彩票开奖号码", "Lottery numbers"})
			case plan.SeedDrand:
				return pick([2]string{"drand 公共随机信标（quicknet）", "drand public randomness beacon (quicknet)"})
			}
			return t
		},
		"when": func(v any) string { return fmtTime(timeOf(v)) },
		"iso":  func(v any) string { return timeOf(v).UTC().Format(time.RFC3339) },
		"u64s": func(xs []uint64) []string {
			out := make([]string, len(xs))
			for i, x := range xs {
				out[i] = strconv.FormatUint(x, 10)
			}
			return out
		},
		"region": regionName,
		"num1":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"pctOf": func(n, d int) string {
			if d <= 0 || n < 0 {
				return "—"
			}
			return pct(float64(n) / float64(d))
		},
		"count": func(n int) string {
			if n < 0 {
				return "—"
			}
			return strconv.Itoa(n)
		},
	}
}

func timeOf(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case *time.Time:
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// messages: key → {zh, en}.
var messages = map[string][2]string{
	"site.name":   {"双随机、一公开 公示平台", "Random Inspections: Public Disclosure"},
	"site.skip":   {"跳到正文", "Skip to content"},
	"site.footer": {"本站只公示依法应当公开的信息：企业名称、统一社会信用代码、检查机关、检查事项、检查日期和检查结果。企业信用风险分类和执法检查人员信息不予公开。", "This site shows only what the law makes public: enterprise name, unified social credit code, inspecting authority, item, inspection date and result. Credit-risk classifications and the identities of enforcement officers are not published."},
	"sep":         {"；", "; "},
	"colon":       {"：", ": "},

	"nav.label":       {"主导航", "Main navigation"},
	"nav.home":        {"首页", "Home"},
	"nav.disclosures": {"抽查结果公示", "Inspection results"},
	"nav.plans":       {"抽查计划", "Inspection plans"},
	"nav.stats":       {"统计", "Statistics"},
	"nav.reports":     {"公示报告", "Disclosure reports"},

	"home.title":           {"首页", "Home"},
	"home.heading":         {"双随机、一公开", "Double random, one public"},
	"home.lead":            {"随机抽取检查对象，随机选派执法检查人员，抽查情况及查处结果及时向社会公开。在这里可以查询企业的抽查结果，核验每一次随机抽取。", "Enterprises to inspect and the officers who inspect them are both drawn at random, and the results are made public. Look up an enterprise's inspection results here, and check every draw for yourself."},
	"home.latest":          {"最新公示", "Latest results"},
	"home.all_disclosures": {"查看全部 %d 条公示", "See all %d results"},
	"home.plans":           {"抽查计划", "Inspection plans"},
	"home.all_plans":       {"查看全部抽查计划", "See all plans"},
	"home.more":            {"更多", "More"},
	"home.stats_blurb":     {"按地区、部门、抽查事项统计的公示完成率和问题发现率。", "Completion and problem-found rates by region, department and item."},
	"home.reports_blurb":   {"按月、季度、年度或按计划出具的公示报告，可打印，可下载 CSV。", "Reports per month, quarter, year or plan: printable, and as CSV."},
	"home.verify":          {"核验随机抽取", "Verify a draw"},
	"home.verify_blurb":    {"每个计划都公布了分层承诺和随机种子，任何人都可以核验抽取数量；审计人员可上传导出文件完整重算。", "Every plan publishes its strata commitments and seed: anyone can check the counts, and auditors can upload their export to recompute the whole draw."},

	"search.label":       {"按企业名称或统一社会信用代码查询", "Search by enterprise name or unified social credit code"},
	"search.placeholder": {"企业名称或18位统一社会信用代码", "Name or 18-character credit code"},
	"search.button":      {"查询", "Search"},

	"disclosures.title":      {"抽查结果公示", "Inspection results"},
	"disclosures.lead":       {"已公示的双随机抽查检查结果。可按企业、检查机关、抽查事项、检查日期和检查结果筛选。", "Published results of random inspections. Filter by enterprise, inspecting authority, item, inspection date and result."},
	"disclosures.count":      {"共 %d 条结果", "%d results"},
	"disclosures.none":       {"暂无公示的检查结果。", "No results published yet."},
	"disclosures.none_match": {"没有符合条件的检查结果。", "No results match these filters."},

	"field.q":             {"企业名称或统一社会信用代码", "Enterprise name or credit code"},
	"field.authority":     {"检查机关", "Inspecting authority"},
	"field.item":          {"抽查事项", "Inspection item"},
	"field.result":        {"检查结果", "Result"},
	"field.from":          {"检查日期（起）", "Inspected from"},
	"field.to":            {"检查日期（止）", "Inspected to"},
	"field.limit":         {"每页条数", "Page size"},
	"field.after":         {"翻页位置", "Page cursor"},
	"field.lang":          {"语言", "Language"},
	"field.uscc":          {"统一社会信用代码", "Unified social credit code"},
	"field.group":         {"统计维度", "Group by"},
	"field.period_kind":   {"统计周期", "Period"},
	"field.period":        {"期间", "Period"},
	"field.report_period": {"报告期间", "Report period"},
	"field.plan":          {"计划", "Plan"},
	"field.format":        {"格式", "Format"},
	"field.export":        {"导出文件", "Export file"},

	"issue.date_order":            {"%[1]s不能早于检查日期（起）%[2]s", "%[1]s cannot be before the start date %[2]s"},
	"issue.period":                {"%[1]s格式应为年（2026）、季度（2026-Q4）或月（2026-11）", "%[1]s must be a year (2026), a quarter (2026-Q4) or a month (2026-11)"},
	"issue.report_one":            {"请选择按计划或按期间出具报告，不能同时选择", "choose a report by plan or by period, not both"},
	"issue.report_plan_authority": {"按计划的报告包含计划的全部部门，不按检查机关筛选", "a plan's report covers all of its departments; it takes no authority filter"},
	"issue.utf8":                  {"%[1]s不是有效的UTF-8文本", "%[1]s is not valid UTF-8 text"},

	"filter.all":   {"全部", "All"},
	"filter.apply": {"筛选", "Apply"},
	"filter.clear": {"清除条件", "Clear"},
	"pager.label":  {"翻页", "Pages"},
	"pager.first":  {"第一页", "First page"},
	"pager.next":   {"下一页", "Next page"},

	"col.enterprise":       {"企业名称", "Enterprise"},
	"col.uscc":             {"统一社会信用代码", "Credit code (USCC)"},
	"col.authority":        {"检查机关", "Inspecting authority"},
	"col.items":            {"抽查事项", "Items"},
	"col.inspected_on":     {"检查日期", "Inspected on"},
	"col.results":          {"检查结果", "Result"},
	"col.published_on":     {"公示日期", "Published on"},
	"col.region":           {"所在地区", "Region"},
	"col.plan":             {"计划名称", "Plan"},
	"col.plan_id":          {"计划编号", "Plan number"},
	"col.year_batch":       {"年度批次", "Year and batch"},
	"col.state":            {"进度", "Stage"},
	"col.drawn":            {"抽取数", "Drawn"},
	"col.inspected":        {"检查数", "Inspected"},
	"col.published":        {"公示数", "Published"},
	"col.on_time":          {"按时公示数", "Published on time"},
	"col.problems":         {"发现问题数", "Problems found"},
	"col.overdue":          {"逾期未公示数", "Overdue"},
	"col.completion":       {"完成率", "Completion rate"},
	"col.problem_rate":     {"问题发现率", "Problem-found rate"},
	"col.period":           {"期间", "Period"},
	"col.result":           {"检查结果", "Result"},
	"col.count":            {"数量", "Count"},
	"col.item_code":        {"事项编码", "Code"},
	"col.item_name":        {"事项名称", "Item"},
	"col.department":       {"实施部门", "Department"},
	"col.category":         {"事项类别", "Category"},
	"col.object_type":      {"检查对象", "Subject"},
	"col.method":           {"检查方式", "Method"},
	"col.legal_basis":      {"检查依据", "Legal basis"},
	"col.stratum":          {"分层", "Stratum"},
	"col.pool_size":        {"名录数量", "Pool size"},
	"col.commitment":       {"名录承诺值（SHA-256）", "Pool commitment (SHA-256)"},
	"col.ratio":            {"抽取比例", "Ratio"},
	"col.count_recomputed": {"重算抽取数", "Recomputed count"},
	"col.check":            {"核验项目", "Check"},
	"col.outcome":          {"结论", "Outcome"},
	"col.detail":           {"说明", "Details"},
	"col.against":          {"比对", "Compared with"},
	"col.where":            {"位置", "Where"},
	"col.field":            {"字段", "Field"},
	"col.index":            {"序号", "Index"},
	"col.why":              {"原因", "Why"},
	"col.want":             {"应为", "Expected"},
	"col.got":              {"导出文件", "In the export"},

	"enterprise.count":    {"已公示检查次数", "Published inspections"},
	"enterprise.problems": {"发现问题次数", "With problems found"},
	"enterprise.history":  {"抽查记录", "Inspection history"},
	"enterprise.note":     {"仅列出已公示的检查结果。企业如需了解检查人员等信息，请查阅检查机关送达的检查通知。", "Only published results are listed. The inspection notice served on the enterprise names the inspecting officers."},

	"plans.title": {"抽查计划", "Inspection plans"},
	"plans.lead":  {"已公告的双随机抽查计划。每个计划公布抽查事项、范围、分层承诺、随机种子和抽取名单。", "Announced random inspection plans. Each publishes its items, scope, strata commitments, seed and drawn list."},
	"plans.none":  {"暂无已公告的抽查计划。", "No plan has been announced yet."},

	"plan.year_batch":       {"%d年第%d批", "%d, batch %d"},
	"plan.lead":             {"牵头部门", "Lead department"},
	"plan.joint":            {"联合部门", "Joint departments"},
	"plan.departments":      {"实施部门", "Departments"},
	"plan.scope":            {"抽查范围", "Scope"},
	"plan.nationwide":       {"全部地区", "All regions"},
	"plan.industries":       {"行业：", "industries: "},
	"plan.entity_types":     {"主体类型：", "entity types: "},
	"plan.draw_date":        {"抽取日期", "Draw date"},
	"plan.announced_at":     {"公告时间", "Announced at"},
	"plan.revealed_at":      {"随机种子公布时间", "Seed revealed at"},
	"plan.not_revealed":     {"尚未公布", "Not yet revealed"},
	"plan.verify_link":      {"核验本计划的随机抽取", "Verify this plan's draw"},
	"plan.items":            {"抽查事项", "Inspection items"},
	"plan.seed":             {"随机种子", "Seed"},
	"plan.seed_type":        {"种子来源", "Source"},
	"plan.seed_date":        {"开奖日期", "Draw day"},
	"plan.seed_round":       {"drand 轮次", "drand round"},
	"plan.seed_description": {"说明", "Description"},
	"plan.seed_from":        {"种子最早产生时间", "Seed exists from"},
	"plan.seed_values":      {"公布的随机数", "Revealed values"},
	"plan.algorithm":        {"抽取算法", "Algorithm"},
	"plan.strata":           {"分层承诺", "Strata commitments"},
	"plan.strata_note":      {"检查对象名录在公告时按分层冻结，每层公布名录数量、名录的SHA-256承诺值、抽取比例和抽取数；分层标签S1、S2……不对外说明其含义。", "The pools were frozen by stratum at the announcement. Each stratum publishes its size, the SHA-256 commitment to its pool, its ratio and its count; the labels S1, S2, … are not explained publicly."},
	"plan.drawn":            {"抽取名单", "Drawn enterprises"},
	"plan.drawn_note":       {"共抽取 %d 户，按统一社会信用代码排序（不分层）。", "%d enterprises, in credit-code order (strata not shown)."},
	"plan.not_drawn":        {"尚未抽取。", "Not drawn yet."},

	"verify.title":           {"核验随机抽取", "Verify the draw"},
	"verify.lead":            {"任何人都可以用公开数据核验：种子在公告之后才公布，每层抽取数等于⌈比例×名录数量⌉。完整重算抽取名单需要各层名录，名录只提供给审计、法院和纪检监察等有权机关。", "Anyone can check with the public data that the seed came after the announcement and that each stratum's count is ⌈ratio × pool size⌉. Recomputing the drawn list itself needs the pools, which only auditors, courts and supervisory bodies receive."},
	"verify.public":          {"公开数据核验", "Checks on the public data"},
	"verify.public_ok":       {"已能核验的项目全部通过。", "Every check that can be made so far passes."},
	"verify.public_fail":     {"有核验项目未通过，详见下表。", "Some checks fail; see the table."},
	"verify.counts":          {"各层抽取数重算", "Counts recomputed per stratum"},
	"verify.pools_needed":    {"仅凭公开数据无法重算抽取名单本身：这需要各层的完整名录。持有审计导出文件的人员可在下方上传，系统按公布的种子完整重算，并与公布的数据逐项比对。", "The public data alone cannot recompute the drawn list: that needs every stratum's pool. Holders of the auditor export can upload it below; it is recomputed from the published seed and compared item by item with what was published."},
	"verify.upload":          {"上传审计导出文件完整核验", "Full verification with the auditor export"},
	"verify.upload_lead":     {"上传该计划的审计导出文件（JSON，不超过 %s）。文件只用于本次比对，不保存，页面不回显名录和检查人员信息。", "Upload the plan's auditor export (JSON, at most %s). It is used for this comparison only and not kept; pools and officers are never shown back."},
	"verify.file":            {"审计导出文件（JSON）", "Auditor export (JSON)"},
	"verify.file_help":       {"即 GET /api/v1/plans/{id}/audit 的响应内容。", "The response of GET /api/v1/plans/{id}/audit."},
	"verify.submit":          {"上传并核验", "Upload and verify"},
	"verify.match":           {"一致", "Match"},
	"verify.mismatch":        {"不一致", "Mismatch"},
	"verify.match_detail":    {"导出文件按公布的种子完整重算无误，%d 个分层的承诺与 %d 户抽取名单均与公布的数据一致。", "The export recomputes exactly from the published seed, and its %d strata commitments and %d drawn enterprises equal the published ones."},
	"verify.mismatch_detail": {"发现 %d 处不一致，逐项列出如下。", "%d differences, listed below."},
	"verify.mismatches":      {"不一致之处", "Differences"},
	"verify.more":            {"另有 %d 处不一致未列出。", "%d more differences are not listed."},
	"verify.hidden":          {"（保密内容，不回显）", "(confidential; not shown)"},
	"verify.published_list":  {"公布名单", "published list"},
	"verify.absent":          {"（导出文件中没有）", "(absent from the export)"},

	"against.recompute": {"重算", "Recomputation"},
	"against.published": {"公布数据", "Published data"},

	"why.recompute":              {"按导出文件重算的结果与导出文件记录的不同", "recomputing the export does not reproduce this value"},
	"why.recompute.algorithm":    {"导出文件的抽取算法不是本系统公布的算法", "the export names another algorithm"},
	"why.recompute.seed_sources": {"导出文件没有有效的随机种子", "the export has no valid seed"},
	"why.recompute.label":        {"分层标签应依次为 S1、S2……", "stratum labels must run S1, S2, …"},
	"why.recompute.tier":         {"分层与等级的对应顺序不正确", "the strata are not in tier order"},
	"why.recompute.pool":         {"名录须按升序排列、无重复、每行一个代码", "a pool must be ascending, unique, one code a line"},
	"why.recompute.pool_size":    {"名录的实际数量与声明的数量不同", "the pool's length differs from its stated size"},
	"why.recompute.pool_sha256":  {"名录的SHA-256与声明的承诺值不同", "the pool's SHA-256 differs from its stated commitment"},
	"why.recompute.ratio":        {"抽取比例须大于0且不超过1", "the ratio must be more than 0 and at most 1"},
	"why.recompute.count":        {"抽取数应为⌈比例×名录数量⌉", "the count must be ⌈ratio × pool size⌉"},
	"why.recompute.drawn":        {"按种子重新抽取，该位置抽中的企业与导出文件不同", "redrawing from the seed picks another enterprise at this position"},
	"why.recompute.tasks":        {"每户抽中企业应有且只有一个检查任务", "every drawn enterprise needs exactly one task"},
	"why.task":                   {"检查人员选派无法由记录的输入重现", "the inspector assignment does not follow from its recorded inputs"},
	"why.published":              {"与公布的数据不同", "differs from the published data"},
	"why.published.plan":         {"导出文件属于另一个计划", "the export is of another plan"},
	"why.published.algorithm":    {"抽取算法与公布的不同", "the algorithm differs from the published one"},
	"why.published.seed_sources": {"随机种子与公布的不同", "the seed differs from the published one"},
	"why.published.strata":       {"分层数量与公布的不同", "the number of strata differs from the published one"},
	"why.published.label":        {"分层标签与公布的不同", "the stratum label differs from the published one"},
	"why.published.pool_size":    {"名录数量与公布的承诺不同", "the pool size differs from the published commitment"},
	"why.published.pool_sha256":  {"名录承诺值与公布的不同", "the pool commitment differs from the published one"},
	"why.published.ratio":        {"抽取比例与公布的不同", "the ratio differs from the published one"},
	"why.published.count":        {"抽取数与公布的不同", "the count differs from the published one"},
	"why.published.drawn":        {"抽取名单与公布的不同：该企业只出现在其中一方", "the drawn lists differ: this enterprise is in only one of them"},

	"upload.multipart": {"请以 multipart/form-data 表单上传文件（字段名 export）。", "Upload the file as a multipart/form-data form (field export)."},
	"upload.missing":   {"请选择要上传的审计导出文件。", "Choose the auditor export to upload."},
	"upload.empty":     {"上传的文件是空的。", "The uploaded file is empty."},
	"upload.json":      {"上传的文件不是有效的审计导出JSON（%s）。", "The uploaded file is not a valid auditor export in JSON (%s)."},
	"upload.too_large": {"上传的文件超过 %s MiB 上限。", "The uploaded file exceeds the limit of %s MiB."},
	"upload.unusable":  {"无法按该导出文件重算，文件内容不完整或有误。", "This export cannot be recomputed: it is incomplete or malformed."},

	"check.ok":                                 {"通过", "Pass"},
	"check.fail":                               {"未通过", "Fail"},
	"check.pending":                            {"尚不能核验", "Not yet possible"},
	"check.no_time":                            {"缺少时间记录", "A time is missing"},
	"check.announced_before_seed":              {"公告在随机种子产生之前", "Announced before the seed existed"},
	"check.announced_before_seed.detail":       {"公告时间 %s；种子最早产生于 %s。", "Announced %s; the seed existed from %s."},
	"check.revealed_after_announcement":        {"随机种子在公告之后公布", "Seed revealed after the announcement"},
	"check.revealed_after_announcement.detail": {"种子公布于 %s；公告于 %s；种子最早产生于 %s。", "Revealed %s; announced %s; the seed existed from %s."},
	"check.not_revealed":                       {"随机种子尚未公布。", "The seed is not revealed yet."},
	"check.drand_round":                        {"随机数来自公告指定的 drand 轮次", "The values are of the announced drand round"},
	"check.drand_round.detail":                 {"第一组数值应为轮次 %d。", "The first source must be round %d."},
	"check.labels":                             {"分层标签依次为 S1…Sn", "Stratum labels run S1…Sn"},
	"check.labels.detail":                      {"共 %d 个分层。", "%d strata."},
	"check.counts":                             {"每层抽取数 = ⌈比例 × 名录数量⌉", "Each count = ⌈ratio × pool size⌉"},
	"check.counts.detail":                      {"按公布的比例和名录数量逐层重算，见下表。", "Recomputed per stratum from the published ratio and size; see below."},
	"check.drawn_total":                        {"抽取名单户数等于各层抽取数之和", "The drawn list has the sum of the counts"},
	"check.drawn_total.detail":                 {"名单 %d 户；各层合计 %d 户。", "%d listed; the counts add up to %d."},
	"check.not_drawn":                          {"尚未抽取。", "Not drawn yet."},
	"check.drawn_list":                         {"抽取名单为有效且不重复的统一社会信用代码", "The drawn list holds valid, distinct credit codes"},
	"check.drawn_list.detail":                  {"按代码升序排列，无重复，校验码正确。", "Ascending, no repeats, check digits correct."},

	"stats.title":            {"统计", "Statistics"},
	"stats.lead":             {"双随机抽查的公示完成率和问题发现率，可按地区、部门或抽查事项，按月、季度或年度查看。", "Completion and problem-found rates of random inspections by region, department or item, per month, quarter or year."},
	"stats.group.department": {"部门", "Department"},
	"stats.group.region":     {"地区", "Region"},
	"stats.group.item":       {"抽查事项", "Item"},
	"stats.period.month":     {"按月", "Monthly"},
	"stats.period.quarter":   {"按季度", "Quarterly"},
	"stats.period.year":      {"按年度", "Yearly"},
	"stats.completion":       {"完成率", "Completion rate"},
	"stats.problem_rate":     {"问题发现率", "Problem-found rate"},
	"stats.chart_group":      {"按%s：完成率与问题发现率", "By %s: completion and problem-found rates"},
	"stats.chart_time":       {"各期完成率与问题发现率", "Completion and problem-found rates over time"},
	"stats.table":            {"明细数据", "Data"},
	"stats.none":             {"所选范围内没有统计数据。", "No statistics for this selection."},
	"stats.definitions":      {"完成率 = 公示数 ÷ 抽取数；问题发现率 = 发现问题数 ÷ 检查数；按时公示指检查后20个工作日内公示。", "Completion rate = published ÷ drawn; problem-found rate = problems found ÷ inspected; on time means published within 20 working days of the inspection."},
	"chart.truncated":        {"（另有 %s 项未画出，见明细数据）", "(%s more not drawn; see the data)"},

	"reports.title":          {"公示报告", "Disclosure reports"},
	"reports.lead":           {"按期间（月、季度、年度）和检查机关，或按抽查计划出具的双随机抽查结果公示报告。页面可直接打印，也可下载 CSV。", "Reports on random inspections per period (month, quarter, year) and authority, or per plan. Print the page, or download CSV."},
	"reports.by_period":      {"按期间", "By period"},
	"reports.by_plan":        {"按抽查计划", "By plan"},
	"reports.period_help":    {"年（2026）、季度（2026-Q4）或月（2026-11）。", "A year (2026), a quarter (2026-Q4) or a month (2026-11)."},
	"reports.authority_help": {"可选；留空为全部检查机关。", "Optional; leave empty for every authority."},
	"reports.make":           {"生成报告", "Make the report"},

	"report.title":             {"%s双随机抽查结果公示报告", "Random inspection disclosure report, %s"},
	"report.title_plan":        {"%s抽查结果公示报告", "Disclosure report: %s"},
	"report.intro":             {"根据“双随机、一公开”监管要求，现将%s双随机抽查及结果公示情况报告如下。", "Under the double random, one public rules, this reports the random inspections of %s and the publication of their results."},
	"report.summary":           {"抽查及公示情况", "Inspections and publication"},
	"report.total_note":        {"合计按地区统计：联合检查在各部门分别计数，在合计中只计一次。", "The total is counted by region: a joint inspection counts for each department but once in the total."},
	"report.total":             {"合计", "Total"},
	"report.no_rows":           {"本期间没有抽查记录。", "No inspections in this period."},
	"report.by_type":           {"检查结果分类", "Results by type"},
	"report.no_results":        {"没有已公示的检查结果。", "No published results."},
	"report.records":           {"共统计已公示结果 %d 条（一条结果可含多项）。", "%d published results counted (a result may list several types)."},
	"report.basis_period":      {"检查结果按检查日期 %s 至 %s 统计。", "Results counted by inspection date from %s to %s."},
	"report.basis_plan":        {"检查结果按本计划的已公示结果统计。", "Results counted over this plan's published results."},
	"report.plan_note":         {"按计划的检查数、按时公示数和逾期数不在公开数据中，以“—”表示；请见按期间的报告。", "Per plan, inspected, on-time and overdue counts are not in the public data and show as “—”; see the reports by period."},
	"report.definitions_title": {"说明", "Notes"},
	"report.issuer":            {"发布机关", "Issued by"},
	"report.issued_on":         {"发布日期", "Date of issue"},
	"report.csv":               {"下载 CSV", "Download CSV"},
	"report.plan_page":         {"查看计划", "The plan's page"},
	"report.actions":           {"报告操作", "Report actions"},
	"report.print_hint":        {"打印：使用浏览器的打印功能（Ctrl+P）。", "To print, use the browser's Print (Ctrl+P)."},
	"csv.report":               {"报告", "Report"},
	"csv.authority":            {"检查机关", "Authority"},

	"err.back":                 {"返回首页", "Back to the home page"},
	"err.bad_request":          {"请求参数有误", "The request has errors"},
	"err.page_not_found":       {"页面不存在", "Page not found"},
	"err.plan_not_found":       {"未找到该抽查计划（或尚未公告）", "No such plan (or it is not announced yet)"},
	"err.enterprise_not_found": {"未找到该企业已公示的抽查结果", "No published inspection result for this enterprise"},
	"err.internal":             {"服务器内部错误，已记录", "Internal error; it has been logged"},
	"err.unavailable":          {"服务暂不可用，请稍后重试", "Service unavailable; try again shortly"},
	"err.busy":                 {"正在处理其他核验，请稍后重试", "Other verifications are running; try again shortly"},
}
