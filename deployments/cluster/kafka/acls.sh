#!/usr/bin/env bash
# Creates choucha's Kafka users (SCRAM-SHA-512) and their ACLs. Safe to run again (an existing
# user gets the password given; ACLs are added, never duplicated by Kafka).
#
#   BOOTSTRAP=kb1.choucha.internal:9092,… ADMIN_CONFIG=/etc/kafka/admin.properties \
#   SERVE_PASSWORD=… PROJECT_PASSWORD=… BACKUP_PASSWORD=… MONITOR_PASSWORD=… \
#     deployments/cluster/kafka/acls.sh
#
# A *_PASSWORD left empty skips creating/changing that user (its ACLs are still added).
# Principals and what they may do (least privilege):
#   choucha-serve    the API + the single writer: write and read the log and blobs, join the
#                    writer-election group, tail the log for its command-side state (and
#                    "create" its existing topics, which the store's start-up does)
#   choucha-project  the projectors: read the log and blobs, groups choucha.project.*
#   choucha-backup   the archiver (planned): read the log and blobs, group choucha.backup
#   monitor          lag/health exporters: describe topics, groups and the cluster
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ktool() { "$here/ktool.sh" "$@"; }
say() { echo "[acls] $*" >&2; }
: "${BOOTSTRAP:?set BOOTSTRAP to the CLIENT listeners of the brokers}"
ADMIN_CONFIG=${ADMIN_CONFIG:-/etc/kafka/admin.properties}
EVENTS_TOPIC=${EVENTS_TOPIC:-choucha.events}
BLOBS_TOPIC=${BLOBS_TOPIC:-choucha.blobs}
WRITER_TOPIC=${WRITER_TOPIC:-$EVENTS_TOPIC.writer}
conn=(--bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG")

user() { # NAME PASSWORD
  [[ -n $2 ]] || { say "user $1: no password given, left as it is"; return; }
  case $2 in *,* | *=* | *\[* | *\]*) echo "[acls] ERROR: the password of $1 must not contain , = [ ]" >&2; exit 1 ;; esac
  say "user $1: setting its SCRAM-SHA-512 credential"
  ktool configs "${conn[@]}" --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
}
allow() { ktool acls "${conn[@]}" --add --allow-principal "User:$1" "${@:2}" >/dev/null; }

user choucha-serve "${SERVE_PASSWORD:-}"
user choucha-project "${PROJECT_PASSWORD:-}"
user choucha-backup "${BACKUP_PASSWORD:-}"
user monitor "${MONITOR_PASSWORD:-}"

say "ACLs"
# Create on these three names only: the store calls CreateTopics at start (EnsureTopic) and needs
# TOPIC_ALREADY_EXISTS back, not an authorization error; it cannot create any other topic.
allow choucha-serve --operation Read --operation Write --operation Describe --operation Create \
  --topic "$EVENTS_TOPIC" --topic "$BLOBS_TOPIC" --topic "$WRITER_TOPIC"
allow choucha-serve --operation Read --operation Describe --group "$WRITER_TOPIC"
allow choucha-project --operation Read --operation Describe --topic "$EVENTS_TOPIC" --topic "$BLOBS_TOPIC"
allow choucha-project --operation Read --operation Describe --resource-pattern-type prefixed --group choucha.project.
allow choucha-backup --operation Read --operation Describe --topic "$EVENTS_TOPIC" --topic "$BLOBS_TOPIC"
allow choucha-backup --operation Read --operation Describe --group choucha.backup
allow monitor --operation Describe --operation DescribeConfigs --resource-pattern-type prefixed --topic choucha.
allow monitor --operation Describe --resource-pattern-type prefixed --group choucha.
allow monitor --operation Describe --operation DescribeConfigs --cluster
ktool acls "${conn[@]}" --list --resource-pattern-type any --topic "$EVENTS_TOPIC" | sed 's/^/[acls] /' >&2
