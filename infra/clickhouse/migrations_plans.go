package clickhouse

// planMigrations: the plan publication tables, versions 20–29.
//
// Both tables hold one current row per key, replaced by the log position it is current as of
// (StateProjector). index_granularity = 1: a row can be tens of MB (a province's audit data,
// or one stratum's pool of millions of USCCs), and a lookup by key reads whole granules, so
// with the default of 8192 rows reading one plan would read every plan of its granule.
// (18.16 has no adaptive granularity, index_granularity_bytes.) The tables hold hundreds or
// thousands of rows, so one index mark per row costs nothing.
var planMigrations = []Migration{
	// One row per plan (drafts too): the list columns and the JSON documents the queries
	// return: view (projections.PlanView), public (plan.PublicView, "" for a draft, which is
	// not public) and audit (plan.AuditData with every stratum's pool left out: "pool": null;
	// the pools are in plan_pools). version is the plan stream's version.
	{Version: 20, Name: "plans", SQL: `CREATE TABLE IF NOT EXISTS plans (
    id String,
    title String,
    year UInt16,
    batch UInt16,
    state String,
    drawn UInt32,
    version UInt64,
    view String,
    public String,
    audit String,
    position UInt64
) ENGINE = ReplacingMergeTree(position) ORDER BY id SETTINGS index_granularity = 1`},
	// The pools of an announced plan, one row per stratum, in canonical order (USCCs
	// ascending). They are fixed by the announcement and written once, not with every later
	// event of the plan; confidential (auditors only, through the plan's audit data).
	{Version: 21, Name: "plan_pools", SQL: `CREATE TABLE IF NOT EXISTS plan_pools (
    plan String,
    label String,
    pool Array(String),
    position UInt64
) ENGINE = ReplacingMergeTree(position) ORDER BY (plan, label) SETTINGS index_granularity = 1`},
}
