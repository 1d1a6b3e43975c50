#!/usr/bin/env bash
# Installs what is missing and starts Apache Kafka (KRaft, one node) and/or ClickHouse as plain
# processes on free 127.0.0.1 ports, waits until each answers, and writes $STATE/env.
#   usage: deployments/local/up.sh [kafka|clickhouse|all]      (default: all)
# State (jars, configs, data, logs, pid files): $CHOUCHA_LOCAL_STATE, default <repo>/.local
# Knobs: KAFKA_VERSION (default from kafka/pom.xml), KAFKA_HEAP_OPTS, KAFKA_START_TIMEOUT (60),
#        CLICKHOUSE_START_TIMEOUT (30), CHOUCHA_KAFKA_LIBS (the jar dir, default $STATE/kafka/libs;
#        installed there if missing). See README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

what=${1:-all}
case $what in
  kafka | clickhouse | all) ;;
  -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
  *) die "unknown service '$what' (usage: up.sh [kafka|clickhouse|all])" ;;
esac

lock_state

# ============================== Kafka ==============================
K=$STATE/kafka
KLIBS=$KAFKA_LIBS
KCONF=$K/server.properties

java_major() { # prints the major version of `java` on PATH
  local v
  v=$(java -version 2>&1 | sed -n 's/.* version "\([0-9][0-9.]*\).*/\1/p' | head -1)
  [[ -n $v ]] || return 1
  [[ $v == 1.* ]] && v=${v#1.}
  echo "${v%%.*}"
}

kafka_tools_log4j() {
  cat >"$K/tools-log4j2.properties" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

kafka_install() {
  local t log=$K/install.log
  mkdir -p "$K"
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    t=$(now_ms)
    say "kafka: installing java 17 + maven with apt (log: $log)"
    apt_install "$log" openjdk-17-jre-headless maven
    say "kafka: java + maven installed in $(since "$t")"
  fi
  kafka_tools_log4j
  local jm; jm=$(java_major) || die "kafka: cannot read the version of java: $(java -version 2>&1 | head -3)"
  ((jm >= 17)) || die "kafka: java $jm on PATH ($(command -v java)); Kafka 4.x brokers need java 17 or newer"

  local version_arg=() want
  [[ -n ${KAFKA_VERSION:-} ]] && version_arg=("-Dkafka.version=$KAFKA_VERSION")
  want="pom=$(sha256sum "$KAFKA_POM" | cut -c1-16) kafka.version=${KAFKA_VERSION:-pom-default}"
  if [[ -f $KLIBS/.stamp && $(<"$KLIBS/.stamp") == "$want" ]]; then
    say "kafka: jars present ($KLIBS, $(cat "$KLIBS/.version"))"
    return 0
  fi
  # The jar dir may be another state dir's (CHOUCHA_KAFKA_LIBS), whose lock we do not hold.
  mkdir -p "$(dirname "$KLIBS")"
  exec 8>"$KLIBS.lock"
  flock -w 600 8 || die "kafka: timed out waiting for $KLIBS.lock (another up.sh installing the jars?)"
  if [[ -f $KLIBS/.stamp && $(<"$KLIBS/.stamp") == "$want" ]]; then
    exec 8>&-
    say "kafka: jars present ($KLIBS, $(cat "$KLIBS/.version")), installed meanwhile by another up.sh"
    return 0
  fi
  t=$(now_ms)
  say "kafka: resolving jars from $KAFKA_POM with maven (log: $log)"
  rm -rf "$KLIBS.tmp"
  local mvn=(mvn -B -f "$KAFKA_POM" "${version_arg[@]}" dependency:copy-dependencies
    -DincludeScope=runtime "-DoutputDirectory=$KLIBS.tmp")
  # offline first: with a warm ~/.m2 this needs no network at all
  if ! "${mvn[@]}" -o >"$log.offline" 2>&1; then
    say "kafka: not all in ~/.m2 yet; downloading from Maven Central"
    "${mvn[@]}" >"$log" 2>&1 || die_log "kafka: maven could not resolve the Kafka jars (command: ${mvn[*]})" "$log"
  else
    mv -f "$log.offline" "$log"
  fi
  rm -f "$log.offline"
  local main
  main=$(cd "$KLIBS.tmp" && ls kafka_2.13-*.jar 2>/dev/null | head -1) ||
    die_log "kafka: maven finished but no kafka_2.13 jar in $KLIBS.tmp" "$log"
  [[ -n $main ]] || die_log "kafka: maven finished but no kafka_2.13 jar in $KLIBS.tmp" "$log"
  main=${main#kafka_2.13-}; echo "${main%.jar}" >"$KLIBS.tmp/.version"
  echo "$want" >"$KLIBS.tmp/.stamp"
  rm -rf "$KLIBS"; mv "$KLIBS.tmp" "$KLIBS"
  exec 8>&-
  say "kafka: $(ls "$KLIBS"/*.jar | wc -l) jars ($(du -sh "$KLIBS" | cut -f1)), Kafka $(cat "$KLIBS/.version"), in $(since "$t")"
}

# Kafka Metadata request (v4) over a raw socket: succeeds when the broker answers and lists at
# least one live broker (i.e. it is registered and unfenced, ready for clients).
kafka_ready() {
  local out
  out=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    # size=17 | api_key=3 (Metadata) | api_version=4 | correlation_id=7 | client_id="up" | topics=[] | auto_create=false
    printf "\x00\x00\x00\x11\x00\x03\x00\x04\x00\x00\x00\x07\x00\x02up\x00\x00\x00\x00\x00" >&3
    head -c 16 <&3 | od -An -tx1 -v' "$1" 2>/dev/null) || return 1
  # response: size(4) correlation_id(4) throttle_time_ms(4) brokers.length(4)
  local b
  read -r -a b <<<"$out"
  [[ ${#b[@]} -eq 16 && ${b[4]}${b[5]}${b[6]}${b[7]} == 00000007 ]] || return 1
  (( 16#${b[12]}${b[13]}${b[14]}${b[15]} >= 1 ))
}


kafka_up() {
  kafka_install
  local pid port cport
  if pid=$(ours "$K/kafka.pid" "$KCONF"); then
    # shellcheck disable=SC1091
    source "$K/ports"
    say "kafka: already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
  else
    rm -f "$K/kafka.pid"
    KAFKA_PORT='' KAFKA_CONTROLLER_PORT=''
    # shellcheck disable=SC1091
    [[ -f $K/ports ]] && source "$K/ports"
    local cp=; [[ -f $STATE/clickhouse/ports ]] && cp=$(sed 's/.*=//' "$STATE/clickhouse/ports" | tr '\n' ' ')
    # shellcheck disable=SC2086
    port=$(keep_or_pick "$KAFKA_PORT" $cp)
    # shellcheck disable=SC2086
    cport=$(keep_or_pick "$KAFKA_CONTROLLER_PORT" $cp "$port")
    KAFKA_PORT=$port KAFKA_CONTROLLER_PORT=$cport
    printf 'KAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\n' "$port" "$cport" >"$K/ports"
    mkdir -p "$K/data" "$K/logs"
    cat >"$KCONF" <<EOF
# written by deployments/local/up.sh on every start (ports may change); edit up.sh, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$K/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=-1
EOF
    cat >"$K/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $K/logs/server.log
appender.file.filePattern = $K/logs/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = WARN
EOF
    local java_tools=(java -cp "$KLIBS/*" "-Dlog4j2.configurationFile=$K/tools-log4j2.properties")
    if [[ ! -f $K/data/meta.properties ]]; then
      local t cid; t=$(now_ms)
      [[ -s $K/cluster.id ]] || {
        # a Kafka Uuid: 16 random bytes, base64url without padding, not starting with '-'
        cid=-; while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
        echo "$cid" >"$K/cluster.id"
      }
      "${java_tools[@]}" kafka.tools.StorageTool format --ignore-formatted \
        -t "$(<"$K/cluster.id")" -c "$KCONF" >"$K/format.log" 2>&1 ||
        die_log "kafka: storage format failed" "$K/format.log"
      say "kafka: formatted $K/data (KRaft, cluster id $(<"$K/cluster.id")) in $(since "$t")"
    fi
    local t; t=$(now_ms)
    # shellcheck disable=SC2086
    spawn "$K/kafka.pid" "$K/logs/stdout.log" java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} \
      -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true "-Dkafka.logs.dir=$K/logs" "-Dlog4j2.configurationFile=$K/log4j2.properties" \
      -cp "$KLIBS/*" kafka.Kafka "$KCONF"
    pid=$(<"$K/kafka.pid")
    say "kafka: started pid $pid (broker 127.0.0.1:$port, controller 127.0.0.1:$cport); waiting for a Metadata answer"
    local deadline=$(( $(now_ms) + ${KAFKA_START_TIMEOUT:-60} * 1000 ))
    until kafka_ready "$port"; do
      alive "$pid" || die_log "kafka: process $pid exited during start" "$K/logs/server.log" "$K/logs/stdout.log"
      if (( $(now_ms) >= deadline )); then
        stop kafka "$K/kafka.pid" "$KCONF" 10
        die_log "kafka: not ready after ${KAFKA_START_TIMEOUT:-60}s; stopped it again" "$K/logs/server.log" "$K/logs/stdout.log"
      fi
      sleep 0.2
    done
    say "kafka: ready in $(since "$t")"
  fi
  kafka_ready "$KAFKA_PORT" || die_log "kafka: pid $pid runs but does not answer a Metadata request on 127.0.0.1:$KAFKA_PORT" "$K/logs/server.log"
  echo "CHOUCHA_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" >"$K/env"
}

# ============================== ClickHouse ==============================
C=$STATE/clickhouse
CCONF=$C/config.xml
CH_SERVER=/usr/sbin/clickhouse-server

clickhouse_install() {
  mkdir -p "$C"
  if [[ -x $CH_SERVER ]] && command -v clickhouse-client >/dev/null; then
    say "clickhouse: installed ($($CH_SERVER --version 2>/dev/null | head -1 || echo "$CH_SERVER"))"
  else
    local t; t=$(now_ms)
    say "clickhouse: installing clickhouse-server clickhouse-client with apt (log: $C/install.log)"
    apt_install "$C/install.log" clickhouse-server clickhouse-client
    [[ -x $CH_SERVER ]] || die_log "clickhouse: installed, but $CH_SERVER is missing" "$C/install.log"
    say "clickhouse: installed in $(since "$t")"
  fi
  command -v curl >/dev/null || apt_install "$C/install.log" curl
}

ch_http() { # PORT QUERY → response body; fails on a non-2xx answer
  curl -sS --fail-with-body --max-time 5 "http://127.0.0.1:$1/" --data-binary "$2"
}

clickhouse_up() {
  clickhouse_install
  local pid
  if pid=$(ours "$C/clickhouse.pid" "$CCONF"); then
    # shellcheck disable=SC1091
    source "$C/ports"
    say "clickhouse: already running (pid $pid) on native 127.0.0.1:$CLICKHOUSE_TCP_PORT, http 127.0.0.1:$CLICKHOUSE_HTTP_PORT"
  else
    rm -f "$C/clickhouse.pid"
    CLICKHOUSE_TCP_PORT='' CLICKHOUSE_HTTP_PORT=''
    # shellcheck disable=SC1091
    [[ -f $C/ports ]] && source "$C/ports"
    local kp=; [[ -f $K/ports ]] && kp=$(sed 's/.*=//' "$K/ports" | tr '\n' ' ')
    # shellcheck disable=SC2086
    CLICKHOUSE_TCP_PORT=$(keep_or_pick "$CLICKHOUSE_TCP_PORT" $kp)
    # shellcheck disable=SC2086
    CLICKHOUSE_HTTP_PORT=$(keep_or_pick "$CLICKHOUSE_HTTP_PORT" $kp "$CLICKHOUSE_TCP_PORT")
    printf 'CLICKHOUSE_TCP_PORT=%s\nCLICKHOUSE_HTTP_PORT=%s\n' "$CLICKHOUSE_TCP_PORT" "$CLICKHOUSE_HTTP_PORT" >"$C/ports"
    mkdir -p "$C/data" "$C/logs"
    # Minimal config for ClickHouse 18.16 (root element <yandex>); no interserver port, no
    # ZooKeeper, no system log tables.
    cat >"$CCONF" <<EOF
<?xml version="1.0"?>
<!-- written by deployments/local/up.sh on every start (ports may change); edit up.sh, not this file -->
<yandex>
  <logger>
    <level>information</level>
    <log>$C/logs/server.log</log>
    <errorlog>$C/logs/server.err.log</errorlog>
    <size>50M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
  <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
  <path>$C/data/</path>
  <tmp_path>$C/data/tmp/</tmp_path>
  <user_files_path>$C/data/user_files/</user_files_path>
  <format_schema_path>$C/data/format_schemas/</format_schema_path>
  <users_config>$C/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>3</keep_alive_timeout>
</yandex>
EOF
    cat >"$C/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- written by deployments/local/up.sh: user "default", no password, 127.0.0.1 only -->
<yandex>
  <profiles>
    <default><max_memory_usage>2000000000</max_memory_usage></default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
EOF
    local t; t=$(now_ms)
    spawn "$C/clickhouse.pid" "$C/logs/stdout.log" "$CH_SERVER" "--config-file=$CCONF"
    pid=$(<"$C/clickhouse.pid")
    say "clickhouse: started pid $pid (native 127.0.0.1:$CLICKHOUSE_TCP_PORT, http 127.0.0.1:$CLICKHOUSE_HTTP_PORT); waiting for SELECT 1"
    local deadline=$(( $(now_ms) + ${CLICKHOUSE_START_TIMEOUT:-30} * 1000 ))
    until [[ $(ch_http "$CLICKHOUSE_HTTP_PORT" 'SELECT 1' 2>/dev/null) == 1 ]]; do
      alive "$pid" || die_log "clickhouse: process $pid exited during start" "$C/logs/server.err.log" "$C/logs/stdout.log"
      if (( $(now_ms) >= deadline )); then
        stop clickhouse "$C/clickhouse.pid" "$CCONF" 10
        die_log "clickhouse: not ready after ${CLICKHOUSE_START_TIMEOUT:-30}s; stopped it again" "$C/logs/server.err.log" "$C/logs/stdout.log"
      fi
      sleep 0.1
    done
    say "clickhouse: ready in $(since "$t")"
  fi
  local v
  v=$(ch_http "$CLICKHOUSE_HTTP_PORT" 'SELECT version()' 2>&1) ||
    die_log "clickhouse: pid $pid runs but SELECT version() over http 127.0.0.1:$CLICKHOUSE_HTTP_PORT failed: $v" "$C/logs/server.err.log"
  say "clickhouse: SELECT version() = $v"
  printf 'CHOUCHA_CLICKHOUSE_ADDR=127.0.0.1:%s\nCHOUCHA_CLICKHOUSE_HTTP=http://127.0.0.1:%s\n' \
    "$CLICKHOUSE_TCP_PORT" "$CLICKHOUSE_HTTP_PORT" >"$C/env"
}

case $what in
  kafka) kafka_up ;;
  clickhouse) clickhouse_up ;;
  all) kafka_up; clickhouse_up ;;
esac
write_env
say "done ($what) in $(since "$T0"); $STATE/env:"
grep -v '^#' "$STATE/env" | sed 's/^/    /'
