package clickhouse

// taskMigrations: the inspection records (tasks) and statistics tables, versions 10–19.
var taskMigrations = []Migration{}
