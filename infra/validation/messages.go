package validation

import (
	"fmt"
	"strings"

	"github.com/choucha/choucha/commands"
)

// messages words the codes the domain, the commands and the CSV reader use.
// %[1]s is the field, %[2]s the parameter.
var messages = map[string]map[Lang]string{
	"invalid":                 {ZH: "%[1]s无效", EN: "%[1]s is invalid"},
	"invalid_input":           {ZH: "输入有误，未写入任何数据", EN: "the input has errors; nothing was written"},
	"required":                {ZH: "%[1]s为必填字段", EN: "%[1]s is a required field"},
	"max":                     {ZH: "%[1]s长度不能超过%[2]s个字符", EN: "%[1]s must be at most %[2]s characters long"},
	"oneof":                   {ZH: "%[1]s必须是[%[2]s]中的一个", EN: "%[1]s must be one of [%[2]s]"},
	"date":                    {ZH: "%[1]s必须是日期，格式为%[2]s", EN: "%[1]s must be a date in the form %[2]s"},
	"uscc":                    {ZH: "%[1]s不是有效的统一社会信用代码：%[2]s", EN: "%[1]s is not a valid unified social credit code: %[2]s"},
	"uscc_length":             {ZH: "%[1]s：统一社会信用代码必须是18位", EN: "%[1]s: a unified social credit code has 18 characters"},
	"uscc_charset":            {ZH: "%[1]s：统一社会信用代码第%[2]s位字符无效（不使用I、O、Z、S、V）", EN: "%[1]s: character %[2]s of the unified social credit code is not allowed (I, O, Z, S, V are never used)"},
	"uscc_org_code":           {ZH: "%[1]s：统一社会信用代码第9-17位（组织机构代码）校验不通过", EN: "%[1]s: characters 9-17 (organization code) of the unified social credit code fail their check digit"},
	"uscc_check_digit":        {ZH: "%[1]s：统一社会信用代码校验码（第18位）不正确", EN: "%[1]s: the check digit (character 18) of the unified social credit code is wrong"},
	"region_code":             {ZH: "%[1]s不是有效的行政区划代码（GB/T 2260，6位）", EN: "%[1]s is not a valid region code (GB/T 2260, 6 digits)"},
	"inspector_id":            {ZH: "%[1]s只能包含字母、数字、下划线和连字符，最长40位", EN: "%[1]s may contain only letters, digits, '_' and '-', at most 40"},
	"item_code":               {ZH: "%[1]s只能包含字母、数字、点、下划线和连字符，最长40位", EN: "%[1]s may contain only letters, digits, '.', '_' and '-', at most 40"},
	"duplicate_in_file":       {ZH: "%[1]s与第%[2]s行重复", EN: "%[1]s repeats line %[2]s"},
	"already_inactive":        {ZH: "该检查人员已停用", EN: "the inspector is already inactive"},
	"already_declared":        {ZH: "该回避关系已登记", EN: "this conflict is already declared"},
	"no_rows":                 {ZH: "文件除表头外没有数据行", EN: "the file has no rows besides the header"},
	"bool":                    {ZH: "%[1]s必须是 true 或 false", EN: "%[1]s must be true or false"},
	"csv_syntax":              {ZH: "CSV格式错误：%[2]s", EN: "CSV syntax error: %[2]s"},
	"missing_column":          {ZH: "表头缺少列%[1]s", EN: "the header lacks the column %[1]s"},
	"unknown_column":          {ZH: "表头含有未知列%[1]s", EN: "the header has an unknown column %[1]s"},
	"duplicate_column":        {ZH: "表头列%[1]s重复", EN: "the header repeats the column %[1]s"},
	"field_count":             {ZH: "该行有%[2]s列，与表头不一致", EN: "the row has %[2]s columns, unlike the header"},
	"utf8":                    {ZH: "该行不是有效的UTF-8文本", EN: "the row is not valid UTF-8 text"},
	"empty_file":              {ZH: "文件为空，需要表头行", EN: "the file is empty; a header row is needed"},
	"too_many_issues":         {ZH: "问题过多，仅列出前%[2]s个", EN: "too many problems; only the first %[2]s are listed"},
	"limit":                   {ZH: "%[1]s必须是1到%[2]s之间的整数", EN: "%[1]s must be a whole number from 1 to %[2]s"},
	"plan_id":                 {ZH: "%[1]s只能包含字母、数字、下划线和连字符，最长40位", EN: "%[1]s may contain only letters, digits, '_' and '-', at most 40"},
	"range":                   {ZH: "%[1]s超出范围（%[2]s）", EN: "%[1]s is out of range (%[2]s)"},
	"duplicate":               {ZH: "%[1]s重复：%[2]s", EN: "%[1]s is repeated: %[2]s"},
	"not_a_plan_department":   {ZH: "%[1]s不是本计划的牵头或联合部门（%[2]s）", EN: "%[1]s is not a lead or joint department of the plan (%[2]s)"},
	"no_item":                 {ZH: "部门%[2]s在本计划中没有抽查事项", EN: "department %[2]s has no item in this plan"},
	"region_prefix":           {ZH: "%[1]s必须为空或有效行政区划代码的前2、4或6位", EN: "%[1]s must be empty or the first 2, 4 or 6 digits of a valid region code"},
	"required_unique":         {ZH: "%[1]s不能为空且不能重复", EN: "%[1]s must be non-empty and unique"},
	"targeted_without_filter": {ZH: "定向抽查须指定行业或主体类型", EN: "a targeted (定向) plan names at least one industry or entity type"},
	"untargeted_with_filter":  {ZH: "不定向抽查不能指定行业或主体类型", EN: "an untargeted (不定向) plan names no industry or entity type"},
	"ratio_range":             {ZH: "%[1]s必须大于0且不超过1", EN: "%[1]s must be more than 0 and at most 1"},
	"tier_order":              {ZH: "各等级比例须满足 A ≤ B ≤ C ≤ D", EN: "tier ratios must satisfy A ≤ B ≤ C ≤ D"},
	"general_item_cap":        {ZH: "含一般事项的计划，%[1]s不能超过%[2]s", EN: "a plan with general (一般) items keeps %[1]s at most %[2]s"},
	"lottery_has_no_round":    {ZH: "彩票种子没有轮次（round）", EN: "a lottery seed has no round"},
	"drand_has_no_date":       {ZH: "drand 种子以轮次确定时间，不填日期", EN: "a drand seed is timed by its round; leave the date out"},
	"before_seed":             {ZH: "%[1]s须在随机种子产生之前（%[2]s）", EN: "%[1]s must come before the seed exists (%[2]s)"},
	"before_announcement":     {ZH: "%[1]s不能早于计划公告时间（%[2]s）", EN: "%[1]s cannot be before the announcement (%[2]s)"},
	"item_not_listed":         {ZH: "抽查事项%[2]s不在抽查事项清单中", EN: "item %[2]s is not in the list of inspection items"},
	"team_size":               {ZH: "每个检查组至少%[2]s名执法人员（行政处罚法第四十二条）", EN: "a team needs at least %[2]s enforcement officers (Administrative Penalty Law art. 42)"},
	"not_on_team":             {ZH: "该检查人员不在此任务的检查组中", EN: "the inspector is not on this task's team"},
	"no_team":                 {ZH: "此任务没有检查组", EN: "this task has no team"},
	"recusal_pending":         {ZH: "该人员在此任务上已有待审批的回避申请（%[2]s）", EN: "a recusal request for this inspector and task is already pending (%[2]s)"},
	"recusal_not_found":       {ZH: "未找到回避申请%[2]s", EN: "no recusal request %[2]s"},
	"recusal_decided":         {ZH: "该回避申请已处理（%[2]s）", EN: "this recusal request is already decided (%[2]s)"},
	"vocabulary":              {ZH: "%[1]s不在规定选项中（%[2]s）", EN: "%[1]s is not one of the fixed values (%[2]s)"},
	"excludes_problems":       {ZH: "“未发现问题”不能与问题类或主体状态类结果同时选择：%[2]s", EN: "未发现问题 (no problem found) cannot be combined with problem or status results: %[2]s"},
	"needs_finding":           {ZH: "%[1]s须写明具体发现的问题", EN: "%[1]s needs a specific finding"},
	"needs_follow_up":         {ZH: "须选择“无需后续处置”以外的后续处置", EN: "a follow-up other than 无需后续处置 is needed"},
	"needs_problem":           {ZH: "未选择问题类结果时，%[1]s不能为责令改正或移送办案机构", EN: "%[1]s: ordering correction or a case transfer needs a problem among the results"},
	"nothing_to_correct":      {ZH: "复查已整改，后续处置不能为“责令改正并跟踪”", EN: "after 已整改 the follow-up cannot be 责令改正并跟踪"},
	"future_date":             {ZH: "%[1]s不能晚于今天（%[2]s）", EN: "%[1]s cannot be after today (%[2]s)"},
	"before_draw":             {ZH: "%[1]s不能早于企业被抽取之日（%[2]s）", EN: "%[1]s cannot be before the enterprise was drawn (%[2]s)"},
	"before_inspection":       {ZH: "%[1]s不能早于检查日期（%[2]s）", EN: "%[1]s cannot be before the inspection date (%[2]s)"},
	"sha256":                  {ZH: "%[1]s须为64位十六进制SHA-256摘要", EN: "%[1]s must be a SHA-256 digest of 64 hex characters"},
	"max_items":               {ZH: "%[1]s最多%[2]s项", EN: "%[1]s may hold at most %[2]s entries"},
	"task_not_found":          {ZH: "未找到该检查任务", EN: "no such inspection task"},
	"task_state":              {ZH: "检查任务当前状态不允许此操作（顺序：录入结果 → 退回或通过 → 公示；复查在通过之后）", EN: "the task's state does not allow this step (record → return or approve → publish; re-check after approval)"},
	"other_department":        {ZH: "您所在部门不是该任务的检查部门", EN: "your department is not one of this task's departments"},
	"own_department":          {ZH: "只能创建本部门（%[2]s）牵头的计划", EN: "you can create only plans led by your department (%[2]s)"},
	"before_draw_date":        {ZH: "计划的抽取日期是%[2]s，不能提前抽取", EN: "the plan's draw date is %[2]s; it cannot be drawn earlier"},
	"plan_exists":             {ZH: "该计划编号已存在", EN: "a plan with this id exists"},
	"plan_not_found":          {ZH: "未找到该计划", EN: "no such plan"},
	"plan_state":              {ZH: "计划当前状态不允许此操作（顺序：公告 → 公布种子 → 抽取企业 → 选派人员）", EN: "the plan's state does not allow this step (order: announce → reveal seed → draw → assign)"},
	"plan_redraw":             {ZH: "企业已抽取，计划不会重新抽取", EN: "the enterprises are drawn; a plan is never redrawn"},
	"plan_no_eligible":        {ZH: "抽查范围内没有符合条件的企业", EN: "no eligible enterprise in the plan's scope"},
	"json":                    {ZH: "请求体不是有效的JSON：%[2]s", EN: "the body is not valid JSON: %[2]s"},
	"json_type":               {ZH: "%[1]s的类型错误，应为%[2]s", EN: "%[1]s has the wrong type; expected %[2]s"},
	"unknown_field":           {ZH: "未知字段%[1]s", EN: "unknown field %[1]s"},
	"body_too_large":          {ZH: "请求体超过%[2]s字节上限", EN: "the body exceeds the limit of %[2]s bytes"},
	"content_type":            {ZH: "Content-Type 应为%[2]s", EN: "Content-Type must be %[2]s"},
	"path_mismatch":           {ZH: "%[1]s与路径中的值不一致", EN: "%[1]s differs from the value in the path"},
	"enterprise_exists":       {ZH: "该统一社会信用代码已登记", EN: "an enterprise with this USCC is already registered"},
	"inspector_exists":        {ZH: "该检查人员编号已登记", EN: "an inspector with this id is already registered"},
	"item_exists":             {ZH: "该抽查事项编码已登记", EN: "an item with this code is already registered"},
	"concurrent_change":       {ZH: "数据已被他人修改，请刷新后重试", EN: "someone else changed this meanwhile; reload and try again"},
	"enterprise_not_found":    {ZH: "未找到该企业", EN: "no such enterprise"},
	"inspector_not_found":     {ZH: "未找到该检查人员", EN: "no such inspector"},
	"item_not_found":          {ZH: "未找到该抽查事项", EN: "no such inspection item"},
	"not_found":               {ZH: "未找到", EN: "not found"},
	"unauthorized":            {ZH: "需要有效的访问令牌（Authorization: Bearer …）", EN: "a valid access token is required (Authorization: Bearer …)"},
	"forbidden":               {ZH: "当前身份无权执行此操作，未写入任何数据", EN: "your role may not do this; nothing was written"},
	"rate_limited":            {ZH: "请求过于频繁，请%[2]s秒后重试", EN: "too many requests; try again in %[2]s s"},
	"token_not_found":         {ZH: "未找到该令牌", EN: "no such token"},
	"token_revoked":           {ZH: "该令牌已吊销", EN: "the token is already revoked"},
	"not_for_role":            {ZH: "%[1]s不适用于角色%[2]s", EN: "%[1]s does not apply to the role %[2]s"},
	"inspector_inactive":      {ZH: "检查人员%[2]s已停用", EN: "inspector %[2]s is inactive"},
	"future":                  {ZH: "%[1]s必须晚于当前时间", EN: "%[1]s must be in the future"},
	"method_not_allowed":      {ZH: "不支持该请求方法", EN: "method not allowed"},
	"internal":                {ZH: "服务器内部错误，已记录", EN: "internal error; it has been logged"},
	"unavailable":             {ZH: "服务暂不可用，请稍后重试", EN: "service unavailable; try again shortly"},
	"not_writer":              {ZH: "本服务器不是事件日志的写入方，不能受理写操作；请向当前写入方提交，或稍后重试", EN: "this server is not the event log's writer and takes no writes; send them to the writer, or try again shortly"},
}

// Message words a code in lang; an unknown code is shown as is rather than hidden.
func Message(lang Lang, code, field, param string) string {
	m, ok := messages[code]
	if !ok {
		return strings.TrimSpace(field + " " + code + " " + param)
	}
	s := m[lang]
	if !strings.Contains(s, "%[") {
		return s
	}
	if field == "" {
		if lang == ZH {
			field = "该值"
		} else {
			field = "the value"
		}
	}
	return fmt.Sprintf(s, field, param)
}

// Word fills Message for issues that have none (domain and CSV codes).
func Word(lang Lang, issues []commands.Issue) []commands.Issue {
	for i := range issues {
		if issues[i].Message == "" {
			issues[i].Message = Message(lang, issues[i].Code, issues[i].Field, issues[i].Param)
		}
	}
	return issues
}
