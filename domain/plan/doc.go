// Package plan is the Plan aggregate of 双随机、一公开: scope, strata and their commitments,
// the seed, the enterprise draw, the inspector assignment and its substitutions.
//
// # Lifecycle
//
//	Create            draft                plan.created.v1
//	Announce          announced            plan.announced.v1
//	RevealSeed        seed_revealed        plan.seed_revealed.v1
//	DrawEnterprises   enterprises_drawn    plan.enterprises_drawn.v1
//	AssignInspectors  inspectors_assigned  plan.inspectors_assigned.v1
//	Substitute        (unchanged)          plan.substitution_recorded.v1 (any number)
//
// Commands check invariants and return the events (directory.Change) for the caller to append
// to stream Stream(id); they apply them to the plan themselves. Apply folds recorded events;
// one switch (apply) is the only place state changes. A command out of order returns ErrState,
// a second draw ErrRedraw; an invalid input returns directory.FieldError values.
//
// # Rules this package chose where the design leaves room
//
//   - Every tier has a ratio 0 < r ≤ 1 (no tier is exempt), non-decreasing from A to D. If any
//     item is 一般, every ratio is at most GeneralRatioCap (0.2).
//   - Ratios are exact decimals with at most six places (Ratio); count = ⌈ratio × pool size⌉
//     in integer arithmetic, so every nonempty stratum yields at least one draw.
//   - Scope: 定向 names at least one industry or entity type, 不定向 none; the region prefix is
//     "" or 2, 4 or 6 digits starting a current GB/T 2260 code.
//   - Each listed department (lead and joint) owns at least one item; the departments that go
//     on a visit are those of the items.
//   - Announce freezes the tier of every eligible enterprise; the pools, with the label→tier
//     map, are the frozen tier map. Labels S1…Sn follow tier order A, B, C, D over the tiers
//     with a nonempty pool.
//   - Announcement must precede the seed: strictly before the named lottery day (China time,
//     UTC+8) or the drand round's time. RevealSeed is accepted from that moment on, never
//     before the announcement. The draw date may not precede the seed's day.
//
// # Size
//
// The announced event carries the pools (about 20 bytes per eligible enterprise in JSON): a
// province of 3 million enterprises gives a 60 MB event. The embedded log takes it as is; a
// Kafka deployment needs message.max.bytes raised for the plan topic, or the payload stored
// aside with its SHA-256 in the message (claim check). The pools are the auditors' evidence:
// they are recorded, not recomputed from a later directory.
package plan
