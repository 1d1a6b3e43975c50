#!/usr/bin/env bash
# Runs one of Apache Kafka's command-line tools from the installed jars, the same way on a node
# installed from the binary tarball (/opt/kafka/libs) or from Maven Central's jars (as
# deployments/local does).
#   usage: ktool.sh TOOL [ARGS…]
#   TOOL: topics | configs | acls | storage | metadata-quorum | features | consumer-groups |
#         console-producer | console-consumer | get-offsets | dump-log | a full class name
# KAFKA_LIBS (default /opt/kafka/libs) is the jar directory; KAFKA_TOOL_OPTS the JVM options.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: ktool.sh TOOL [ARGS…]" >&2; exit 2; }
libs=${KAFKA_LIBS:-/opt/kafka/libs}
ls "$libs"/kafka-clients-*.jar >/dev/null 2>&1 || { echo "ktool.sh: no Kafka jars in $libs (set KAFKA_LIBS)" >&2; exit 1; }
tool=$1; shift
case $tool in
  topics) class=org.apache.kafka.tools.TopicCommand ;;
  configs) class=kafka.admin.ConfigCommand ;;
  acls) class=org.apache.kafka.tools.AclCommand ;;
  storage) class=kafka.tools.StorageTool ;;
  metadata-quorum) class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  features) class=org.apache.kafka.tools.FeatureCommand ;;
  consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  console-producer) class=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
  dump-log) class=org.apache.kafka.tools.DumpLogSegments ;;
  *.*) class=$tool ;;
  *) echo "ktool.sh: unknown tool '$tool'" >&2; exit 2 ;;
esac
# Tools log at WARN to stderr unless KAFKA_TOOL_LOG4J names another log4j2 file.
log4j=${KAFKA_TOOL_LOG4J:-}
if [[ -z $log4j ]]; then
  log4j=$(mktemp -t ktool-log4j2.XXXXXX.properties)
  trap 'rm -f "$log4j"' EXIT
  printf '%s\n' 'status = error' 'appender.err.type = Console' 'appender.err.name = ERR' \
    'appender.err.target = SYSTEM_ERR' 'appender.err.layout.type = PatternLayout' \
    'appender.err.layout.pattern = [%d] %p %m (%c)%n' 'rootLogger.level = WARN' \
    'rootLogger.appenderRef.err.ref = ERR' >"$log4j"
fi
# shellcheck disable=SC2086
java ${KAFKA_TOOL_OPTS:--Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
  "-Dlog4j2.configurationFile=$log4j" -cp "$libs/*" "$class" "$@"
