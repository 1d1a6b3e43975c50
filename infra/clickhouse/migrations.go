package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ErrMigrationChanged: a migration recorded as applied no longer has the text it was applied
// with. Applied migrations are never edited; a schema change is a new migration.
var ErrMigrationChanged = errors.New("clickhouse: applied migration changed")

// Migration is one ordered, idempotent schema step (every statement is "… IF NOT EXISTS").
type Migration struct {
	Version uint32
	Name    string
	// SQL is one statement. "{database}" stands for the connection's database; tables are
	// named without one (they are created in the connection's database).
	SQL string
}

// Checksum identifies the migration's text; Migrate refuses a recorded one that differs.
func (m Migration) Checksum() string {
	sum := sha256.Sum256([]byte(m.SQL))
	return hex.EncodeToString(sum[:8])
}

func (m Migration) statement(database string) string {
	return strings.ReplaceAll(m.SQL, "{database}", "`"+database+"`")
}

// createDatabase is migration 1's statement, which Open runs for Config.CreateDatabase.
func createDatabase(database string) string { return migrations[0].statement(database) }

// schemaMigrationsVersion is the migration that creates the table recording the others.
const schemaMigrationsVersion = 2

// The SQL is accepted by ClickHouse 18.16 and current releases: no LowCardinality (18.16
// needs allow_experimental_low_cardinality_type), no Date32/DateTime64, no TTL (see README.md).
var migrations = slices.Concat(baseMigrations, taskMigrations, planMigrations)

var baseMigrations = []Migration{
	{Version: 1, Name: "database", SQL: "CREATE DATABASE IF NOT EXISTS {database}"},
	{Version: schemaMigrationsVersion, Name: "schema_migrations", SQL: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime
) ENGINE = ReplacingMergeTree() ORDER BY version`},
	// One row per published task, the public snapshot frozen at publication (DOMAIN rule 10:
	// no tier, no inspector). version is the task stream's version of the published event.
	{Version: 3, Name: "disclosures", SQL: `CREATE TABLE IF NOT EXISTS disclosures (
    task String,
    plan String,
    uscc String,
    enterprise String,
    region_code String,
    authority String,
    items Array(String),
    inspected_on Date,
    results Array(String),
    published_on Date,
    version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY task`},
	// The last log position each projector has sent; it only grows (max(position) is read).
	{Version: 4, Name: "projection_offsets", SQL: `CREATE TABLE IF NOT EXISTS projection_offsets (
    projector String,
    position UInt64,
    updated_at DateTime
) ENGINE = ReplacingMergeTree(position) ORDER BY projector`},
	// The disclosures again, keyed by enterprise: the public lookup by USCC reads one small
	// granule (256 rows, not 8192: 18.16 reads and merges whole granules under FINAL) instead
	// of the whole list (ordered by task). Filled by the view below from every
	// insert into disclosures; the task fixes the USCC, so the key (uscc, task) replaces rows
	// exactly as disclosures does. A database that already held disclosures before these two
	// migrations needs `choucha project --rebuild` once (a view sees only new inserts).
	{Version: 5, Name: "disclosures_by_uscc", SQL: `CREATE TABLE IF NOT EXISTS disclosures_by_uscc (
    task String,
    plan String,
    uscc String,
    enterprise String,
    region_code String,
    authority String,
    items Array(String),
    inspected_on Date,
    results Array(String),
    published_on Date,
    version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY (uscc, task) SETTINGS index_granularity = 256`},
	{Version: 6, Name: "disclosures_by_uscc_mv", SQL: `CREATE MATERIALIZED VIEW IF NOT EXISTS disclosures_by_uscc_mv TO disclosures_by_uscc AS
SELECT task, plan, uscc, enterprise, region_code, authority, items, inspected_on, results, published_on, version FROM disclosures`},
}

// Migrations returns every migration in order.
func Migrations() []Migration { return append([]Migration(nil), migrations...) }

// Migrate applies, in order, every migration not yet recorded in schema_migrations and
// records it. Each statement is idempotent, so a second run, a run after a crash between a
// statement and its record, or two runs at once (the record table keeps one row per version)
// are all harmless. It fails on a recorded migration whose text changed.
func Migrate(ctx context.Context, conn driver.Conn) error {
	db, err := currentDatabase(ctx, conn)
	if err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return err
	}
	var unrecorded []Migration
	for _, m := range migrations {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum() {
				return fmt.Errorf("%w: %d %s (recorded checksum %s, now %s)", ErrMigrationChanged, m.Version, m.Name, sum, m.Checksum())
			}
			continue
		}
		if err := execTolerant(ctx, conn, m.statement(db)); err != nil {
			return fmt.Errorf("clickhouse: migration %d %s: %w", m.Version, m.Name, err)
		}
		unrecorded = append(unrecorded, m)
		if m.Version >= schemaMigrationsVersion {
			if err := recordMigrations(ctx, conn, unrecorded); err != nil {
				return err
			}
			unrecorded = nil
		}
	}
	return nil
}

// Pending lists the migrations not yet applied (serve and project may refuse to start).
func Pending(ctx context.Context, conn driver.Conn) ([]Migration, error) {
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, m := range migrations {
		if _, ok := applied[m.Version]; !ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func currentDatabase(ctx context.Context, conn driver.Conn) (string, error) {
	var db string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		return "", fmt.Errorf("clickhouse: current database: %w", err)
	}
	return db, nil
}

// appliedMigrations maps version → checksum; empty before schema_migrations exists.
func appliedMigrations(ctx context.Context, conn driver.Conn) (map[uint32]string, error) {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'").Scan(&n); err != nil {
		return nil, fmt.Errorf("clickhouse: look for schema_migrations: %w", err)
	}
	out := map[uint32]string{}
	if n == 0 {
		return out, nil
	}
	rows, err := conn.Query(ctx, "SELECT version, any(checksum) FROM schema_migrations GROUP BY version")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v uint32
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("clickhouse: read schema_migrations: %w", err)
		}
		out[v] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: read schema_migrations: %w", err)
	}
	return out, nil
}

func recordMigrations(ctx context.Context, conn driver.Conn, ms []Migration) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at)")
	if err != nil {
		return fmt.Errorf("clickhouse: record migrations: %w", err)
	}
	defer b.Close()
	now := time.Now().UTC().Truncate(time.Second)
	for _, m := range ms {
		if err := b.Append(m.Version, m.Name, m.Checksum(), now); err != nil {
			return fmt.Errorf("clickhouse: record migration %d: %w", m.Version, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("clickhouse: record migrations: %w", err)
	}
	return nil
}
