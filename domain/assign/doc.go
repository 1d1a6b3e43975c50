// Package assign draws inspection teams (the second 随机) under DOMAIN rules 4–7, as pure
// functions of recorded inputs, so that an assignment can be recomputed and checked later.
//
// # Tasks
//
// A task is one visit to one enterprise. [Merge] turns the enterprises drawn by one or more plans
// of the same period into tasks: an enterprise drawn by several plans becomes one task across
// every department of those plans' items (进一次门、查多项事, rule 7). A task's id is
// "<plan id>-<USCC>" with the smallest of its plan ids.
//
// # Order
//
// Tasks are assigned in ascending id order. The workload of an inspector counts the teams
// assigned earlier in that order (rule 6); for a substitution it counts the batch as it stands.
//
// # Pool and pick stream
//
// A task's pool is every roster inspector of one of the task's departments, sorted by id.
// Inactive inspectors stay in the pool and are skipped with a reason, so the pool can be
// checked against the roster snapshot. Picks use the RFC 3797 stream of
// draw.StratumKey(key, "inspectors/<task id>") over a [draw.Remaining]: pick i takes the
// (MD5 mod remaining)-th candidate not yet picked, whether that candidate was accepted or
// skipped. The stream state is therefore just the pick counter and the set of candidates
// left, which is what a substitution continues from (rule 5): the counter goes on, and the
// candidates left are the pool minus everyone ever on the team and everyone skipped for a
// reason that concerns the candidate (rules 1–4). Those skipped for team composition
// (rules 5–6) were judged against a team the substitution changes, so they return to the pool.
//
// # Rules, in the order they are checked
//
//  1. inactive: not active in the roster snapshot;
//  2. conflict: a declared conflict with the enterprise (回避);
//  3. rotation: was on the enterprise's last inspection (Task.LastInspectors);
//  4. workload: already on Cap teams of this batch;
//  5. department: accepting the candidate would leave a participating department that the
//     slots left can no longer cover;
//  6. qualification: the same, for a required qualification.
//
// Rules 1–4 concern the candidate alone and come first, so that a skip names the candidate's
// own disqualification before any team-level one. Rules 5–6 are one exact test: a candidate
// is accepted only if the requirements still uncovered after accepting it can be covered by at
// most (slots left − 1) candidates that are still in the pool and pass rules 1–4 (a minimum
// set cover over at most [MaxRequirements] requirements). The reason is "department" if the
// departments alone cannot be covered, else "qualification". A candidate who adds nothing is
// thus skipped only when a slot must be kept for someone who does.
//
// # Team
//
// Every inspection needs at least 2 officers (行政处罚法 art. 42): TeamSize < 2 is refused.
// The team size of a task is max(TeamSize, number of departments), because each participating
// department sends at least one member. Requirements: every department is represented, and
// for each item with a qualification, some member of that item's department holds it.
//
// A task whose pool runs out before its team is full is unfilled; its Reason says what was
// needed and why candidates were skipped, e.g.
// "pool_exhausted: need 2, found 1; skipped: 3 conflict, 1 workload". Nothing is relaxed:
// an unfilled task has no team, and its partial picks do not count as workload.
package assign
