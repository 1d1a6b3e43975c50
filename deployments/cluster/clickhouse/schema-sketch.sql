-- choucha — ClickHouse read models in the cluster: a SKETCH, used for the sizing in README.md and
-- to show the engine rules for replicas and shards. The authoritative DDL is the ordered,
-- idempotent migrations in infra/clickhouse, run by `choucha migrate` (infra/clickhouse/README.md
-- lists the tables); names and columns there win over these. They differ in one design point:
-- the built projectors write one row per task with version = the log position of its snapshot
-- (infra/clickhouse "Projector state"), not two tables joined at query time as sketched below. The statements were checked (engines swapped for their non-replicated forms,
-- no ON CLUSTER, no Distributed) on ClickHouse 26.9 through chDB.
--
-- Rules (ARCHITECTURE "Events" rule 3 and README "ClickHouse"):
--  * Current state: ReplicatedReplacingMergeTree(version), ORDER BY the row's key. One table per
--    source stream type, version = that stream's version, so versions compare. A row fed by two
--    streams (a task's team from the plan stream, its result from the task stream) is two tables
--    joined at query time, never a read-modify-write.
--  * Facts (one row per event, never updated): ReplicatedMergeTree, ORDER BY (key, version).
--  * Every table carries `position` (the event's log position: its place among the accepted
--    events of the single partition, numbered alike by every reader): max(position) per table is
--    where a restored table's projector resumes (README "Projector contract").
--  * Roll-ups: materialized views on the LOCAL fact tables into Replicated*SummingMergeTree. A view
--    fires on the replica that received the insert; its target table replicates the result.
--    A duplicate block dropped by insert deduplication does not reach the views.
--  * Sharding: `<name>` is a Distributed table over `<name>_local`. The sharding key is a hash of
--    the enterprise (USCC) for everything about one enterprise (directory, tiers, tasks, results,
--    disclosures), so all versions of a row — and all rows of one enterprise — sit on one shard:
--    FINAL is exact and joins by enterprise run shard-locally. Plan-wide tables shard by plan.
--  * Tiers (and the pools, which reveal them) are in choucha_confidential (users.d/choucha.xml).

CREATE DATABASE IF NOT EXISTS choucha ON CLUSTER choucha;
CREATE DATABASE IF NOT EXISTS choucha_confidential ON CLUSTER choucha;

-- ---- directory (stream enterprise-<USCC>) --------------------------------------------------
CREATE TABLE IF NOT EXISTS choucha.enterprises_local ON CLUSTER choucha (
    uscc              FixedString(18),
    name              String,
    legal_rep         String,
    address           String,
    region_code       LowCardinality(String),
    industry          LowCardinality(String),
    entity_type       LowCardinality(String),
    reg_authority     LowCardinality(String),
    founded_on        Date,
    status            LowCardinality(String),
    abnormal          Bool,
    serious_violation Bool,
    under_complaint   Bool,
    version           UInt32,   -- stream version of the last event that changed this row
    position          UInt64
) ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY uscc;
CREATE TABLE IF NOT EXISTS choucha.enterprises ON CLUSTER choucha AS choucha.enterprises_local
    ENGINE = Distributed(choucha, choucha, enterprises_local, cityHash64(uscc));

CREATE TABLE IF NOT EXISTS choucha_confidential.enterprise_tiers_local ON CLUSTER choucha (
    uscc     FixedString(18),
    tier     Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
    set_on   Date,
    version  UInt32,
    position UInt64
) ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY uscc;
CREATE TABLE IF NOT EXISTS choucha_confidential.enterprise_tiers ON CLUSTER choucha AS choucha_confidential.enterprise_tiers_local
    ENGINE = Distributed(choucha, choucha_confidential, enterprise_tiers_local, cityHash64(uscc));

-- one row per directory.enterprise_tier_changed.v1: the biggest table (50M rows a month nationally)
CREATE TABLE IF NOT EXISTS choucha_confidential.tier_history_local ON CLUSTER choucha (
    uscc        FixedString(18),
    set_on      Date CODEC(Delta, ZSTD(3)),
    from_tier   Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
    to_tier     Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
    version     UInt32 CODEC(Delta, ZSTD(3)),
    position    UInt64 CODEC(Delta, ZSTD(3)),
    recorded_at DateTime64(3, 'UTC')
) ENGINE = ReplicatedMergeTree
PARTITION BY toYear(set_on)
ORDER BY (uscc, version);
CREATE TABLE IF NOT EXISTS choucha_confidential.tier_history ON CLUSTER choucha AS choucha_confidential.tier_history_local
    ENGINE = Distributed(choucha, choucha_confidential, tier_history_local, cityHash64(uscc));

-- small dimension tables: every server holds all of them (cluster choucha_all, explicit path)
CREATE TABLE IF NOT EXISTS choucha.inspectors ON CLUSTER choucha_all (
    id             String,
    name           String,
    department     LowCardinality(String),
    region_code    LowCardinality(String),
    qualifications Array(LowCardinality(String)),
    active         Bool,
    version        UInt32,
    position       UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}', version)
ORDER BY id;

-- ---- plans (stream plan-<id>) --------------------------------------------------------------
CREATE TABLE IF NOT EXISTS choucha.plans ON CLUSTER choucha_all (
    plan_id         String,
    year            UInt16,
    batch           UInt16,
    title           String,
    lead_department LowCardinality(String),
    state           LowCardinality(String),
    strata_public   String,   -- JSON: label, size, commitment, ratio, count per stratum (no tier)
    seed_sources    String,   -- JSON, once revealed
    drawn_count     UInt32,
    version         UInt32,
    position        UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}', version)
ORDER BY plan_id;

-- the public drawn list: no stratum label (the label order would hint at tiers)
CREATE TABLE IF NOT EXISTS choucha.plan_drawn_local ON CLUSTER choucha (
    plan_id  LowCardinality(String),
    uscc     FixedString(18),
    position UInt64
) ENGINE = ReplicatedMergeTree
ORDER BY (plan_id, uscc);
CREATE TABLE IF NOT EXISTS choucha.plan_drawn ON CLUSTER choucha AS choucha.plan_drawn_local
    ENGINE = Distributed(choucha, choucha, plan_drawn_local, cityHash64(uscc));

-- pools as announced (from the blob behind plan.announced.v1): auditors only
CREATE TABLE IF NOT EXISTS choucha_confidential.pool_members_local ON CLUSTER choucha (
    plan_id  LowCardinality(String),
    label    LowCardinality(String),
    uscc     FixedString(18),
    tier     Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
    position UInt64
) ENGINE = ReplicatedMergeTree
ORDER BY (plan_id, label, uscc);
CREATE TABLE IF NOT EXISTS choucha_confidential.pool_members ON CLUSTER choucha AS choucha_confidential.pool_members_local
    ENGINE = Distributed(choucha, choucha_confidential, pool_members_local, cityHash64(plan_id));

-- ---- tasks: team from the plan stream, result from the task stream, joined at query time ----
CREATE TABLE IF NOT EXISTS choucha.tasks_local ON CLUSTER choucha (
    task_id     String,
    plan_id     LowCardinality(String),
    uscc        FixedString(18),
    region_code LowCardinality(String),
    departments Array(LowCardinality(String)),
    items       Array(LowCardinality(String)),
    team        Array(String),
    status      LowCardinality(String),   -- ok / unfilled
    assigned_on Date,
    version     UInt32,                   -- plan stream version (assignment, substitutions)
    position    UInt64
) ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY (uscc, task_id);
CREATE TABLE IF NOT EXISTS choucha.tasks ON CLUSTER choucha AS choucha.tasks_local
    ENGINE = Distributed(choucha, choucha, tasks_local, cityHash64(uscc));

CREATE TABLE IF NOT EXISTS choucha.task_results_local ON CLUSTER choucha (
    task_id       String,
    uscc          FixedString(18),
    state         LowCardinality(String),  -- recorded / returned / approved / published
    check_methods Array(LowCardinality(String)),
    results       Array(LowCardinality(String)),
    findings      String,
    follow_up     LowCardinality(String),
    inspected_on  Nullable(Date),
    published_on  Nullable(Date),
    due_on        Nullable(Date),          -- 20 working days after the inspection (choucha computes it)
    version       UInt32,                  -- task stream version
    position      UInt64
) ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY (uscc, task_id);
CREATE TABLE IF NOT EXISTS choucha.task_results ON CLUSTER choucha AS choucha.task_results_local
    ENGINE = Distributed(choucha, choucha, task_results_local, cityHash64(uscc));

-- the disclosure list (公示): public fields only, frozen at publication
CREATE TABLE IF NOT EXISTS choucha.disclosures_local ON CLUSTER choucha (
    task_id      String,
    uscc         FixedString(18),
    enterprise   String,
    region_code  LowCardinality(String),
    authority    String,
    items        Array(String),
    inspected_on Date,
    results      Array(LowCardinality(String)),
    published_on Date,
    version      UInt32,
    position     UInt64
) ENGINE = ReplicatedReplacingMergeTree(version)
PARTITION BY toYear(published_on)
ORDER BY (uscc, task_id);
CREATE TABLE IF NOT EXISTS choucha.disclosures ON CLUSTER choucha AS choucha.disclosures_local
    ENGINE = Distributed(choucha, choucha, disclosures_local, cityHash64(uscc));

-- one row per task event: the facts behind the statistics
CREATE TABLE IF NOT EXISTS choucha.task_events_local ON CLUSTER choucha (
    task_id     String,
    uscc        FixedString(18),
    version     UInt32,
    type        LowCardinality(String),
    at          DateTime64(3, 'UTC'),
    department  LowCardinality(String),
    region_code LowCardinality(String),
    problem     Bool,                      -- a result other than 未发现问题
    position    UInt64
) ENGINE = ReplicatedMergeTree
PARTITION BY toYear(at)
ORDER BY (uscc, task_id, version);
CREATE TABLE IF NOT EXISTS choucha.task_events ON CLUSTER choucha AS choucha.task_events_local
    ENGINE = Distributed(choucha, choucha, task_events_local, cityHash64(uscc));

-- ---- roll-up: per China day, region, department and event type ------------------------------
CREATE TABLE IF NOT EXISTS choucha.stats_daily_local ON CLUSTER choucha (
    day         Date,
    region_code LowCardinality(String),
    department  LowCardinality(String),
    type        LowCardinality(String),
    events      UInt64,
    problems    UInt64
) ENGINE = ReplicatedSummingMergeTree
ORDER BY (day, region_code, department, type);
CREATE MATERIALIZED VIEW IF NOT EXISTS choucha.stats_daily_mv ON CLUSTER choucha
    TO choucha.stats_daily_local AS
    SELECT toDate(at, 'Asia/Shanghai') AS day, region_code, department, type,
           count() AS events, countIf(problem) AS problems
    FROM choucha.task_events_local
    GROUP BY day, region_code, department, type;
CREATE TABLE IF NOT EXISTS choucha.stats_daily ON CLUSTER choucha AS choucha.stats_daily_local
    ENGINE = Distributed(choucha, choucha, stats_daily_local, rand());
-- read with sum(): SELECT region_code, sumIf(events, type = 'inspection.result_published.v1') …
--   FROM choucha.stats_daily GROUP BY region_code
