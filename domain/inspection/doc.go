// Package inspection is the Task aggregate of 双随机、一公开: one visit's result, its review,
// its publication and the follow-up of an ordered correction. Stream "task-<task id>", the
// task id being assign.TaskID ("<plan id>-<USCC>").
//
// # Lifecycle
//
//	(plan assigns a team)  assigned      no event: the task exists in the plan's assignment
//	Record                 recorded      inspection.result_recorded.v1   (待审核)
//	Return                 returned      inspection.result_returned.v1   (审核退回, a reason)
//	Record                 recorded      again, only after a return
//	Approve                approved      inspection.result_approved.v1   (通过)
//	Publish                published     inspection.result_published.v1  (the public snapshot)
//	RecordRecheck          (unchanged)   inspection.recheck_recorded.v1  (复查, approved or published)
//
// Methods take the task's Facts (FactsOf reads them from the plan) and return the events
// (directory.Change) for the caller to append; apply, one switch, is the only place state
// changes. Refusals: ErrNotOnTeam (the inspector is not on the current team), ErrOtherDepartment
// (the reviewer's department is not the task's), ErrState (wrong step), and
// directory.FieldError values for invalid input, all at once.
//
// # Rules this package chose where DOMAIN leaves room
//
//   - results: at least one, from the vocabulary (code "vocabulary"), none twice; recorded in
//     vocabulary order. Groups (vocab.go): SpecificProblems (the four named problems),
//     Problems (those plus 发现问题已责令改正 and 发现问题待后续处理; they count as problems
//     found), Statuses (已关闭停业或正在组织清算, 注销, 被吊销, 被撤销, 迁出), and
//     未发现开展本次抽查涉及的经营活动, which is neither.
//   - 未发现问题 excludes every Problem and every Status ("excludes_problems"): it asserts a
//     check that was completed and found nothing. It may stand with 未发现开展本次抽查涉及的
//     经营活动.
//   - 发现问题待后续处理 needs a specific finding: one of the SpecificProblems ("needs_finding"
//     on results); and, like every Problem, findings text ("needs_finding" on findings).
//   - follow-up: one of the list ("oneof"); 发现问题待后续处理 needs one other than 无需后续处置
//     ("needs_follow_up"); 责令改正并跟踪 and 移送办案机构 need a Problem ("needs_problem").
//     发现问题已责令改正 or 责令改正并跟踪 opens the follow-up: a re-check is due.
//   - check methods: at least one from the list, none twice.
//   - inspected_on: a date, not after today (China time, from the caller's clock:
//     "future_date"), not before Facts.DrawnOn, the later of the plan's draw date and the day
//     its seed was revealed ("before_draw").
//   - evidence: at most 100 hex SHA-256 digests (64 characters, any case, recorded lower-case:
//     "sha256"), none twice.
//   - re-check: checked_on between the inspection date ("before_inspection") and today;
//     outcome 已整改 or 未整改; 未整改 needs findings and a follow-up other than 无需后续处置;
//     已整改 cannot be followed by 责令改正并跟踪 ("nothing_to_correct").
//   - publication date: the caller's clock, China time. The disclosure is frozen in the event
//     (name and region as the directory had them then); the findings text is not disclosed.
package inspection
