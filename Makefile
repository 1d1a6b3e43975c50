# choucha — two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
GO ?= go
BIN := bin/choucha
DATA ?= data
ADDR ?= 127.0.0.1:8080

.PHONY: run run-distributed test build vet fuzz bench clean demo demo-files browser-deps test-integration

build:
	$(GO) build -o $(BIN) ./cmd/choucha

# Demo data is generated once (deterministic seed) and imported into an empty log only.
demo-files: build
	@test -s $(DATA)/demo/enterprises.csv || { mkdir -p $(DATA)/demo && \
	  $(BIN) gen --enterprises 100000 --inspectors 600 --items 30 --seed 1 --out $(DATA)/demo; }

demo: demo-files
	@if [ ! -s $(DATA)/events.db ]; then \
	  $(BIN) import items $(DATA)/demo/items.csv --data $(DATA) --quiet && \
	  $(BIN) import inspectors $(DATA)/demo/inspectors.csv --data $(DATA) --quiet && \
	  $(BIN) import enterprises $(DATA)/demo/enterprises.csv --data $(DATA) --quiet; \
	fi

run: demo
	$(BIN) serve --data $(DATA) --addr $(ADDR)

# The same system distributed: deployments/local starts Kafka and ClickHouse on 127.0.0.1,
# then migrate, the demo data into the Kafka log (a re-run appends nothing: unchanged rows
# make no events), `choucha project` in the background and `serve` on Kafka and ClickHouse.
# Ctrl-C stops choucha; `deployments/local/down.sh` stops the servers.
DIST_DATA ?= data-distributed
PROJECT_METRICS ?= 127.0.0.1:9464
run-distributed: demo-files
	deployments/local/up.sh all
	set -a; . ./.local/env; set +a; set -e; \
	  $(BIN) migrate; \
	  for k in items inspectors enterprises; do \
	    $(BIN) import $$k $(DATA)/demo/$$k.csv --kafka "$$CHOUCHA_KAFKA_BROKERS" --quiet; done; \
	  $(BIN) project --metrics $(PROJECT_METRICS) & proj=$$!; trap 'kill $$proj 2>/dev/null' EXIT; \
	  $(BIN) serve --data $(DIST_DATA) --addr $(ADDR) --kafka "$$CHOUCHA_KAFKA_BROKERS" --clickhouse "$$CHOUCHA_CLICKHOUSE_ADDR"

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration $(INTEGRATION_PKGS) ./cmd/choucha/

# Each fuzz target runs for a count of executions, not a duration: a duration budget races Go's
# fuzz coordinator under load (golang/go#75804, fixed only in Go 1.27) and fails with a bare
# "context deadline exceeded". The seed corpora also run in the ordinary tests.
FUZZ_TARGETS := \
	./domain/directory:FuzzValidateUSCC:300000x \
	./infra/csvin:FuzzDecode:100000x \
	./infra/http:FuzzDecodeJSON:30000x \
	./infra/eventlog:FuzzDecodeRecord:500000x \
	./infra/eventlog:FuzzKafkaRecord:50000x \
	./infra/eventlog:FuzzDecide:50000x \
	./domain/event:FuzzCanonicalBytes:200000x \
	./domain/event:FuzzCompact:100000x \
	./domain/draw:FuzzParseSeeds:100000x \
	./domain/draw:FuzzParsePool:100000x \
	./domain/draw:FuzzSelect:100000x

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  IFS=: read -r pkg name count <<< "$$t"; \
	  echo "fuzz $$pkg $$name ($$count)"; \
	  $(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$$count $$pkg 2>&1 | grep -v '^fuzz: elapsed' ; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

# Headless Chromium (and CJK fonts for the screenshots) for the browser tests in cmd/choucha.
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

test: vet browser-deps
	$(GO) test -race -count=1 -timeout 15m ./...
	$(MAKE) test-integration
	$(MAKE) fuzz

# The adapters against real servers: deployments/local installs and starts Kafka (KRaft, jars
# from Maven Central) and ClickHouse (Debian) on 127.0.0.1, and stops them afterwards.
# Their tests fail loudly, never skip, when a server is missing. The fault tests (TestFault*)
# stop and restart servers of their own, one package at a time, after the others.
INTEGRATION_PKGS := ./infra/kafka/ ./infra/clickhouse/ ./infra/eventlog/
test-integration:
	deployments/local/up.sh all
	set -a; . ./.local/env; set +a; \
	  $(GO) test -tags integration -count=1 -timeout 20m -skip 'Fault' $(INTEGRATION_PKGS) && \
	  $(GO) test -tags integration -count=1 -timeout 10m -run 'Distributed' ./cmd/choucha/ && \
	  $(GO) test -tags integration -count=1 -timeout 15m -p 1 -run 'Fault' ./infra/eventlog/ ./cmd/choucha/; rc=$$?; \
	  deployments/local/down.sh all; exit $$rc

# The benchmarks, with the distributed-mode ones (-tags integration: Kafka and ClickHouse from
# deployments/local, started here and stopped afterwards, also when a benchmark fails).
bench: build
	@trap 'deployments/local/down.sh all' EXIT; set -eo pipefail; \
	  deployments/local/up.sh all; \
	  set -a; . "$${CHOUCHA_LOCAL_STATE:-./.local}/env"; set +a; \
	  $(GO) test -tags integration -run='^$$' -bench=. -benchtime=1x -timeout 60m ./cmd/choucha/ | tee bench.out | { grep '^bench:' || true; }

clean:
	rm -rf bin $(DATA) $(DIST_DATA)
