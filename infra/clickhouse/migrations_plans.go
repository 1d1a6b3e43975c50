package clickhouse

// planMigrations: the plan publication tables, versions 20–29.
var planMigrations = []Migration{}
