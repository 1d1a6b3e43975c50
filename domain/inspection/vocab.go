package inspection

import "slices"

// Result vocabulary (DOMAIN "Result vocabulary", as a provincial platform uses it; multi-select).
const (
	NoProblem           = "未发现问题"
	NotDisclosed        = "未按规定公示应当公示的信息"
	FalseDisclosure     = "公示信息隐瞒真实情况弄虚作假"
	Unreachable         = "通过登记的住所（经营场所）无法联系"
	Obstructed          = "不配合检查情节严重"
	NoRelevantActivity  = "未发现开展本次抽查涉及的经营活动"
	CorrectionOrdered   = "发现问题已责令改正"
	PendingFurther      = "发现问题待后续处理"
	ClosedOrLiquidating = "已关闭停业或正在组织清算"
	Deregistered        = "注销"
	Revoked             = "被吊销"
	Cancelled           = "被撤销"
	MovedOut            = "迁出"
)

// Results is the whole result vocabulary in its canonical order (recorded results follow it).
var Results = []string{NoProblem, NotDisclosed, FalseDisclosure, Unreachable, Obstructed, NoRelevantActivity,
	CorrectionOrdered, PendingFurther, ClosedOrLiquidating, Deregistered, Revoked, Cancelled, MovedOut}

// The result codes fall in four groups:
//
//   - SpecificProblems say what was found wrong;
//   - CorrectionOrdered and PendingFurther say a problem was found and what happens next; with
//     the specific ones they are the Problems (problems found, rule 12);
//   - Statuses say the enterprise was found closed, gone or struck off: not checked as planned;
//   - NoRelevantActivity (the item's activity is not carried on) may stand with NoProblem.
//
// NoProblem asserts a completed check that found nothing, so it excludes every Problem and
// every Status.
var (
	SpecificProblems = []string{NotDisclosed, FalseDisclosure, Unreachable, Obstructed}
	Problems         = []string{NotDisclosed, FalseDisclosure, Unreachable, Obstructed, CorrectionOrdered, PendingFurther}
	Statuses         = []string{ClosedOrLiquidating, Deregistered, Revoked, Cancelled, MovedOut}
)

// Check methods (检查方式), multi-select.
var CheckMethods = []string{"实地检查", "书面检查", "网络监测", "检验检测", "专业机构辅助", "采用其他部门结论"}

// Follow-up (后续处置), one per result.
const (
	FollowNone     = "无需后续处置"
	FollowCorrect  = "责令改正并跟踪"
	FollowTransfer = "移送办案机构"
	FollowInform   = "抄告相关部门"
	FollowOther    = "其他"
)

var FollowUps = []string{FollowNone, FollowCorrect, FollowTransfer, FollowInform, FollowOther}

// Re-check outcomes (复查结果).
const (
	Corrected    = "已整改"
	NotCorrected = "未整改"
)

var RecheckOutcomes = []string{Corrected, NotCorrected}

// HasProblem reports whether results name a problem found (the problem-found rate, rule 12).
func HasProblem(results []string) bool {
	return slices.ContainsFunc(results, func(r string) bool { return slices.Contains(Problems, r) })
}

// opensFollowUp: a correction was ordered, so a re-check is due.
func opensFollowUp(results []string, followUp string) bool {
	return slices.Contains(results, CorrectionOrdered) || followUp == FollowCorrect
}
