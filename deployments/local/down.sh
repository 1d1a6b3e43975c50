#!/usr/bin/env bash
# Stops what up.sh started, by pid file: SIGTERM, then SIGKILL after a timeout. Idempotent.
#   usage: deployments/local/down.sh [--wipe] [kafka|clickhouse|all]     (default: all)
# --wipe also deletes the data (Kafka log dirs + cluster id, ClickHouse databases), keeping the
# installed jars and the logs. Timeouts: KAFKA_STOP_TIMEOUT (30), CLICKHOUSE_STOP_TIMEOUT (15).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wipe='' what=all
for a in "$@"; do
  case $a in
    --wipe) wipe=1 ;;
    kafka | clickhouse | all) what=$a ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) die "unknown argument '$a' (usage: down.sh [--wipe] [kafka|clickhouse|all])" ;;
  esac
done

if [[ ! -d $STATE ]]; then
  say "nothing to stop ($STATE does not exist)"
  exit 0
fi
lock_state

if [[ $what == kafka || $what == all ]]; then
  stop kafka "$STATE/kafka/kafka.pid" "$STATE/kafka/server.properties" "${KAFKA_STOP_TIMEOUT:-30}"
  rm -f "$STATE/kafka/env"
  if [[ -n $wipe ]]; then rm -rf "$STATE/kafka/data" "$STATE/kafka/cluster.id"; say "kafka: data wiped"; fi
fi
if [[ $what == clickhouse || $what == all ]]; then
  stop clickhouse "$STATE/clickhouse/clickhouse.pid" "$STATE/clickhouse/config.xml" "${CLICKHOUSE_STOP_TIMEOUT:-15}"
  rm -f "$STATE/clickhouse/env"
  if [[ -n $wipe ]]; then rm -rf "$STATE/clickhouse/data"; say "clickhouse: data wiped"; fi
fi
write_env
say "done ($what) in $(since "$T0")"
