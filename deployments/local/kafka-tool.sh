#!/usr/bin/env bash
# Runs one of Kafka's own command-line tools from the jars up.sh installed ($STATE/kafka/libs).
#   usage: deployments/local/kafka-tool.sh TOOL [ARGS…]
# TOOL: topics | console-producer | console-consumer | consumer-groups | api-versions |
#       metadata-quorum | storage | get-offsets | a fully qualified main class.
# Example: deployments/local/kafka-tool.sh topics --bootstrap-server "$CHOUCHA_KAFKA_BROKERS" --list
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 1 ]] || die "usage: kafka-tool.sh TOOL [ARGS…] (see the header of $0)"
libs=$KAFKA_LIBS
[[ -f $libs/.stamp ]] || die "no Kafka jars in $libs: run deployments/local/up.sh kafka first"
tool=$1; shift
case $tool in
  topics) class=org.apache.kafka.tools.TopicCommand ;;
  console-producer) class=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  api-versions) class=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  metadata-quorum) class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
  storage) class=kafka.tools.StorageTool ;;
  *.*) class=$tool ;;
  *) die "unknown tool '$tool' (see the header of $0)" ;;
esac
log4j=$STATE/kafka/tools-log4j2.properties
[[ -f $log4j ]] || log4j=
trap - ERR
exec java ${KAFKA_TOOL_OPTS:--Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} ${log4j:+"-Dlog4j2.configurationFile=$log4j"} \
  -cp "$libs/*" "$class" "$@"
