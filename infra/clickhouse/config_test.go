package clickhouse

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/projections"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{Addr: " 127.0.0.1:9000 "}
	c.setDefaults()
	if c.Addr != "127.0.0.1:9000" || c.Database != DefaultDatabase || c.Username != "default" ||
		c.DialTimeout != 5*time.Second || c.ReadTimeout != 30*time.Second || c.MaxOpenConns != 16 {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{Addr: "127.0.0.1:9000,nohost", Database: "choucha; DROP", DialTimeout: -1, MaxOpenConns: -2}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"nohost" is not host:port`, `Database "choucha; DROP"`, "timeouts", "MaxOpenConns"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := (Config{Database: "x"}).Validate(); err == nil || !strings.Contains(err.Error(), "Addr is required") {
		t.Errorf("empty Addr: %v", err)
	}
}

func TestConfigSeveralAddrs(t *testing.T) {
	c := Config{Addr: "a:1, b:2,,"}
	if got := c.addrs(); len(got) != 2 || got[0] != "a:1" || got[1] != "b:2" {
		t.Fatalf("addrs %q", got)
	}
}

func TestMigrationsOrderedAndIdempotent(t *testing.T) {
	ms := Migrations()
	if len(ms) == 0 || ms[0].Version != 1 || !strings.HasPrefix(ms[0].SQL, "CREATE DATABASE IF NOT EXISTS") {
		t.Fatalf("migration 1 must create the database: %+v", ms)
	}
	for i, m := range ms {
		// Ascending and unique; each read model has its own range (tasks 10–19, plans 20–29),
		// so the ranges leave gaps.
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migration %d has version %d after %d: versions ascend, each once", i, m.Version, ms[i-1].Version)
		}
		if !strings.Contains(m.SQL, "IF NOT EXISTS") || strings.Count(strings.TrimSpace(m.SQL), ";") > 0 {
			t.Errorf("migration %d %s: one idempotent statement (… IF NOT EXISTS), no ';'", m.Version, m.Name)
		}
		if m.Name == "" || len(m.Checksum()) != 16 {
			t.Errorf("migration %d: name %q checksum %q", m.Version, m.Name, m.Checksum())
		}
	}
	if got := createDatabase("choucha_x"); got != "CREATE DATABASE IF NOT EXISTS `choucha_x`" {
		t.Errorf("create database: %s", got)
	}
	if ms[schemaMigrationsVersion-1].Name != "schema_migrations" {
		t.Errorf("migration %d must create schema_migrations", schemaMigrationsVersion)
	}
}

// ClickHouse 18.16 with clickhouse-go ≥ v2.28 needs the column list on every batch INSERT.
func TestInsertsNameTheirColumns(t *testing.T) {
	withColumns := regexp.MustCompile(`^INSERT INTO \w+ \([a-z_, ]+\)$`)
	for _, q := range []string{insertDisclosures, insertOffset, "INSERT INTO schema_migrations (version, name, checksum, applied_at)"} {
		if !withColumns.MatchString(q) {
			t.Errorf("%q does not name its columns", q)
		}
	}
}

func TestDisclosureWhereBindsEveryValue(t *testing.T) {
	conds, args := disclosureWhere(projections.DisclosureFilter{Query: " abc ", Authority: "局", Item: "食品", Result: "注销", From: "2026", To: "2026-11-05"})
	if len(conds) != 6 || len(args) != 7 {
		t.Fatalf("conds %q args %q", conds, args)
	}
	if args[0] != "abc" || args[1] != "ABC" {
		t.Errorf("query args %q: trimmed, and upper-cased for the USCC", args[:2])
	}
	joined := strings.Join(conds, " AND ")
	if strings.Count(joined, "?") != len(args) {
		t.Errorf("%d placeholders for %d args: %s", strings.Count(joined, "?"), len(args), joined)
	}
	for _, v := range []string{"abc", "局", "食品", "注销", "2026"} {
		if strings.Contains(joined, v) {
			t.Errorf("value %q spliced into %s", v, joined)
		}
	}
	if conds, args := disclosureWhere(projections.DisclosureFilter{Query: "  "}); len(conds) != 0 || len(args) != 0 {
		t.Errorf("blank query filters: %q %q", conds, args)
	}
}
