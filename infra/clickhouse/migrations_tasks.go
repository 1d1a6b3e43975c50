package clickhouse

// taskMigrations: the inspection records (tasks) and statistics tables, versions 10–19.
//
// Dates a task may not have yet (inspected_on, publish_due, published_on, rechecked_on) are
// "YYYY-MM-DD" strings, "" for none: no Nullable, no time zone, and ISO dates compare as
// strings exactly as infra/memory compares them (overdue, the From/To bounds). Flags are
// UInt8 (18.16 has no Bool).
var taskMigrations = []Migration{
	// One row per task, its current state as infra/memory shows it (team and recorded_by
	// included: confidential, never read by a public endpoint). province is the group the
	// statistics count the task under. position is the log position the row is current as of
	// (StateProjector): a re-sent or older snapshot never replaces a newer one.
	{Version: 10, Name: "tasks", SQL: `CREATE TABLE IF NOT EXISTS tasks (
    id String,
    plan String,
    uscc String,
    enterprise String,
    region_code String,
    province String,
    departments Array(String),
    items Array(String),
    team Array(String),
    status String,
    check_methods Array(String),
    results Array(String),
    findings String,
    follow_up String,
    inspected_on String,
    return_reason String,
    publish_due String,
    publish_due_estimated UInt8,
    published_on String,
    follow_up_open UInt8,
    recorded_by String,
    evidence Array(String),
    rechecked_on String,
    recheck_outcome String,
    version UInt64,
    position UInt64
) ENGINE = ReplacingMergeTree(position) ORDER BY id`},
	// One row per enterprise a plan drew: the groups it counts in and the plan's draw date.
	// The province follows the directory (an enterprise that moves is re-sent), so region
	// counts are read from here; the other groups and the day never change for a (plan, uscc).
	{Version: 11, Name: "stats_drawn", SQL: `CREATE TABLE IF NOT EXISTS stats_drawn (
    plan String,
    uscc String,
    drawn_on Date,
    province String,
    departments Array(String),
    items Array(String),
    position UInt64
) ENGINE = ReplacingMergeTree(position) ORDER BY (plan, uscc)`},
	// Drawn enterprises rolled up per group kind ('' for all, 'department', 'item'), group and
	// draw day (a day, not a month: From/To may bound a day). The state is the exact set of
	// (plan, uscc) pairs, so a row inserted twice (a redelivered event, a batch re-sent after a
	// crash before its offset was recorded, a replay) counts once: a sum or count() state would
	// count it twice, and the MergeTree has no version to deduplicate by.
	{Version: 12, Name: "stats_drawn_rollup", SQL: `CREATE TABLE IF NOT EXISTS stats_drawn_rollup (
    kind String,
    grp String,
    day Date,
    drawn AggregateFunction(uniqExact, String, String)
) ENGINE = AggregatingMergeTree() ORDER BY (kind, grp, day)`},
	// Fills the roll-up from every insert into stats_drawn. Names its tables with the database:
	// a view's query is bound when it is created.
	{Version: 13, Name: "stats_drawn_rollup_mv", SQL: `CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.stats_drawn_rollup_mv
TO {database}.stats_drawn_rollup
AS SELECT
    tupleElement(g, 1) AS kind,
    tupleElement(g, 2) AS grp,
    drawn_on AS day,
    uniqExactState(plan, uscc) AS drawn
FROM {database}.stats_drawn
ARRAY JOIN arrayConcat([tuple('', '')], arrayMap(d -> tuple('department', d), departments), arrayMap(i -> tuple('item', i), items)) AS g
GROUP BY kind, grp, day`},
	// Item code → the name the plan created last gave it (the statistics' group names).
	{Version: 14, Name: "stats_item_names", SQL: `CREATE TABLE IF NOT EXISTS stats_item_names (
    code String,
    name String,
    position UInt64
) ENGINE = ReplacingMergeTree(position) ORDER BY code`},
}
