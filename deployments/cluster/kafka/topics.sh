#!/usr/bin/env bash
# Creates choucha's Kafka topics with their settings, or brings existing ones back to them, then
# checks the result. Safe to run again. See deployments/cluster/README.md, "Topics".
#
#   BOOTSTRAP=kb1.choucha.internal:9092,kb2.choucha.internal:9092,kb3.choucha.internal:9092 \
#   ADMIN_CONFIG=/etc/kafka/admin.properties  deployments/cluster/kafka/topics.sh [--check]
#
# --check only verifies (exit 1 on any difference). Environment:
#   BOOTSTRAP      broker CLIENT listeners (required)
#   ADMIN_CONFIG   client settings for the admin user (default /etc/kafka/admin.properties)
#   RF, MIN_ISR    replication factor and min.insync.replicas (default 3 and 2; never lower them
#                  in production: RF 3 + min ISR 2 + acks=all is what makes an append durable)
#   EVENTS_TOPIC, BLOBS_TOPIC, WRITER_TOPIC  topic names (defaults below = the defaults of the
#                  Kafka event store in infra/eventlog: Topic, Topic + ".writer")
#   MAX_MESSAGE_BYTES  largest record of the event topic (default 8 MiB = that store's
#                  KafkaConfig.MaxMessageBytes default: one command's events are one record)
#   KAFKA_LIBS     jar directory for ktool.sh (default /opt/kafka/libs)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ktool() { "$here/ktool.sh" "$@"; }
die() { echo "[topics] ERROR: $*" >&2; exit 1; }
say() { echo "[topics] $*" >&2; }

check_only=false
case ${1:-} in --check) check_only=true ;; '') ;; *) die "usage: topics.sh [--check]" ;; esac
: "${BOOTSTRAP:?set BOOTSTRAP to the CLIENT listeners of the brokers}"
ADMIN_CONFIG=${ADMIN_CONFIG:-/etc/kafka/admin.properties}
[[ -r $ADMIN_CONFIG ]] || die "cannot read ADMIN_CONFIG=$ADMIN_CONFIG"
RF=${RF:-3} MIN_ISR=${MIN_ISR:-2}
EVENTS_TOPIC=${EVENTS_TOPIC:-choucha.events}
BLOBS_TOPIC=${BLOBS_TOPIC:-choucha.blobs}
WRITER_TOPIC=${WRITER_TOPIC:-$EVENTS_TOPIC.writer}
MAX_MESSAGE_BYTES=${MAX_MESSAGE_BYTES:-8388608}
conn=(--bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG")

# Settings shared by the two topics that hold the record (forever, never compacted):
#  - retention.ms/-bytes=-1 with cleanup.policy=delete: nothing is ever deleted by time or size.
#  - NOT compact: compaction keeps only the newest record per key, and the key is the stream id,
#    so it would erase every event of a stream but its last one: history, hash chains, positions.
#  - max.message.bytes: one record = one command's events (all or nothing), up to 8 MiB after
#    compression; larger payloads (a province's plan pools) go to the blobs topic in chunks
#    (README, "Large events"). Must equal the store's MaxMessageBytes.
#  - flush.messages=1: every append is fsynced by each replica before it counts, as the embedded
#    log fsyncs each commit (README, "Durability"); affordable at one writer's batch rate.
record_configs="cleanup.policy=delete,retention.ms=-1,retention.bytes=-1,min.insync.replicas=$MIN_ISR,unclean.leader.election.enable=false,max.message.bytes=$MAX_MESSAGE_BYTES,segment.bytes=1073741824,compression.type=producer,message.timestamp.type=CreateTime,flush.messages=1"
# The writer-election topic carries no data of record: the consumer group on its only partition is
# the lease (ARCHITECTURE rule 2). A week of whatever the writer may write there (heartbeats).
writer_configs="cleanup.policy=delete,retention.ms=604800000,min.insync.replicas=$MIN_ISR,unclean.leader.election.enable=false"

# topic NAME PARTITIONS CONFIGS — create if missing, else alter the configs; never repartition.
topic() {
  local name=$1 parts=$2 configs=$3 desc count
  desc=$(ktool topics "${conn[@]}" --describe --topic "$name" 2>/dev/null || true)
  if ! grep -q "PartitionCount" <<<"$desc"; then
    $check_only && { echo "MISSING $name"; return 1; }
    say "creating $name: $parts partition(s), replication $RF, $configs"
    local args=(--create --if-not-exists --topic "$name" --partitions "$parts" --replication-factor "$RF")
    local kv; IFS=, read -ra kv <<<"$configs"
    for c in "${kv[@]}"; do args+=(--config "$c"); done
    ktool topics "${conn[@]}" "${args[@]}" >/dev/null
  else
    count=$(sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' <<<"$desc" | head -1)
    [[ $count == "$parts" ]] || die "$name has $count partitions, expected $parts. Never add partitions to it: the key→partition map (and so per-stream order) would change. See README, \"Partitions\"."
    $check_only || { say "enforcing configs of existing $name"; ktool configs "${conn[@]}" --alter --entity-type topics --entity-name "$name" --add-config "$configs" >/dev/null; }
  fi
}

# verify NAME PARTITIONS CONFIGS — partitions, replication factor, every config value, full ISR.
verify() {
  local name=$1 parts=$2 configs=$3 desc ok=0 kv c
  desc=$(ktool topics "${conn[@]}" --describe --topic "$name")
  grep -q "PartitionCount: $parts" <<<"$desc" || { echo "DIFF $name: partitions (want $parts)"; ok=1; }
  grep -q "ReplicationFactor: $RF" <<<"$desc" || { echo "DIFF $name: replication factor (want $RF)"; ok=1; }
  local cfg; cfg=$(sed -n 's/.*Configs: *//p' <<<"$desc" | head -1)
  IFS=, read -ra kv <<<"$configs"
  for c in "${kv[@]}"; do
    grep -qE "(^|,)${c//./\\.}(,|$)" <<<"$cfg" || { echo "DIFF $name: $c not set (has: $cfg)"; ok=1; }
  done
  # every partition's ISR has all RF replicas (a warning only: a broker may be restarting)
  awk -v rf="$RF" '/Partition: /{ for (i=1;i<=NF;i++) if ($i=="Isr:") { n=split($(i+1),a,","); if (n<rf) print "WARN '"$name"' partition " $4 " ISR " $(i+1) } }' <<<"$desc"
  [[ $ok == 0 ]] && echo "OK   $name: $parts partition(s), replication $RF, $configs"
  return $ok
}

rc=0
topic "$EVENTS_TOPIC" 1 "$record_configs" || rc=1
topic "$BLOBS_TOPIC" 1 "$record_configs" || rc=1
topic "$WRITER_TOPIC" 1 "$writer_configs" || rc=1
verify "$EVENTS_TOPIC" 1 "$record_configs" || rc=1
verify "$BLOBS_TOPIC" 1 "$record_configs" || rc=1
verify "$WRITER_TOPIC" 1 "$writer_configs" || rc=1
exit $rc
