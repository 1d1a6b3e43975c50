#!/usr/bin/env bash
# Proves the Kafka templates of this folder on one machine: renders controller.properties and
# broker.properties for 3 controllers + 3 brokers on loopback addresses (127.0.1.1-3 and
# 127.0.1.11-13, the real ports 9091-9093) — or, with MODE=combined, combined.properties for 3
# nodes on 127.0.1.11-13 — with a throwaway CA, mTLS between nodes and SCRAM for
# clients; formats a dynamic KRaft quorum; starts the six JVMs; runs acls.sh and topics.sh; then
# checks what the README claims:
#   1. topics.sh --check passes, and a second topics.sh run changes nothing
#   2. choucha-serve can produce to choucha.events with acks=all and read it back
#   3. choucha-project cannot write to choucha.events (ACL)
#   4. deleting choucha.events is refused (delete.topic.enable=false)
#   5. with one broker down, acks=all appends still succeed (RF 3, min ISR 2)
#   6. with two brokers down, acks=all appends are refused (NOT_ENOUGH_REPLICAS), never acked
#   7. with one controller down (and the brokers back), the quorum elects and appends resume
# Everything lives in a temp dir, removed at the end (KEEP=1 keeps it; PAUSE_ON_FAIL=SECONDS
# leaves the cluster up that long after a failure, HOLD=SECONDS after success); the JVMs started here are
# stopped by their pids. Needs java 17+, openssl, and Kafka's jars:
#   KAFKA_LIBS (default: the jars deployments/local/up.sh installed, $CHOUCHA_LOCAL_STATE/kafka/libs)
# Takes ~2–3 minutes and ~2 GB of memory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
export KAFKA_LIBS=${KAFKA_LIBS:-${CHOUCHA_LOCAL_STATE:-$repo/.local}/kafka/libs}
ls "$KAFKA_LIBS"/kafka-clients-*.jar >/dev/null 2>&1 ||
  { echo "[selftest] ERROR: no Kafka jars in $KAFKA_LIBS: run deployments/local/up.sh kafka once, or set KAFKA_LIBS" >&2; exit 1; }
ktool() { "$here/ktool.sh" "$@"; }
say() { echo "[selftest] $*" >&2; }
T=$(mktemp -d -t choucha-cluster-selftest.XXXXXX)
pids=()
fail() {
  echo "[selftest] FAIL: $*" >&2
  [[ -n ${PAUSE_ON_FAIL:-} ]] && { echo "[selftest] pausing ${PAUSE_ON_FAIL}s (PAUSE_ON_FAIL) with the cluster up in $T" >&2; sleep "$PAUSE_ON_FAIL" & wait $!; }
  for n in "${!nodes[@]}"; do [[ -f $T/$n/server.log ]] && { echo "--- $n (last 15 lines)" >&2; tail -15 "$T/$n/server.log" >&2; }; done
  exit 1
}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; kill -9 "$p" 2>/dev/null || true; done
  if [[ ${KEEP:-} == 1 ]]; then say "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

MODE=${MODE:-separate}
declare -A racks=([kb1]=az-a [kb2]=az-b [kb3]=az-c)
case $MODE in
  separate) # 3 controllers + 3 brokers (controller.properties, broker.properties)
    declare -A nodes=([coord1]=127.0.1.1 [coord2]=127.0.1.2 [coord3]=127.0.1.3 [kb1]=127.0.1.11 [kb2]=127.0.1.12 [kb3]=127.0.1.13)
    declare -A ids=([coord1]=1 [coord2]=2 [coord3]=3 [kb1]=11 [kb2]=12 [kb3]=13)
    controllers=(coord1 coord2 coord3) brokers=(kb1 kb2 kb3) first_voter=coord1 ;;
  combined) # 3 nodes that are broker and controller (combined.properties)
    declare -A nodes=([kb1]=127.0.1.11 [kb2]=127.0.1.12 [kb3]=127.0.1.13)
    declare -A ids=([kb1]=1 [kb2]=2 [kb3]=3)
    controllers=(kb1 kb2 kb3) brokers=() first_voter=kb1 ;;
  *) echo "[selftest] MODE is separate or combined" >&2; exit 2 ;;
esac
for n in "${!nodes[@]}"; do
  for port in 9091 9092 9093; do
    (exec 3<>"/dev/tcp/${nodes[$n]}/$port") 2>/dev/null && fail "${nodes[$n]}:$port is already in use"
  done
done

# --- a throwaway CA and one certificate per node (CN = name.choucha.internal, SAN = its IP) ---
say "certificates in $T/tls"
mkdir -p "$T/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=choucha selftest CA" \
  -keyout "$T/tls/ca.key" -out "$T/tls/ca.pem" 2>/dev/null
for n in "${!nodes[@]}"; do
  mkdir -p "$T/$n/tls"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$n.choucha.internal/O=choucha" \
    -keyout "$T/$n/tls/node.key" -out "$T/$n/tls/node.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s.choucha.internal,IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$n" "${nodes[$n]}" >"$T/$n/tls/ext"
  openssl x509 -req -in "$T/$n/tls/node.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" -CAcreateserial \
    -days 2 -extfile "$T/$n/tls/ext" -out "$T/$n/tls/node.crt" 2>/dev/null
  # PEM keystore: unencrypted PKCS#8 key, then the certificate
  openssl pkcs8 -topk8 -nocrypt -in "$T/$n/tls/node.key" >"$T/$n/tls/node.pem"
  cat "$T/$n/tls/node.crt" >>"$T/$n/tls/node.pem"
  cp "$T/tls/ca.pem" "$T/$n/tls/ca.pem"
done

# --- render the templates exactly as an operator would, plus local paths ---
quorum=$(for c in "${controllers[@]}"; do printf '%s:9093,' "${nodes[$c]}"; done); quorum=${quorum%,}
render() { # NODE TEMPLATE
  local n=$1
  sed -e "s|@NODE_ID@|${ids[$n]}|g" -e "s|@HOST@|${nodes[$n]}|g" -e "s|@RACK@|${racks[$n]:-}|g" \
      -e "s|@QUORUM@|$quorum|g" -e "s|@TLS_DIR@|$T/$n/tls|g" -e "s|/var/lib/kafka/|$T/$n/|g" "$2" >"$T/$n/server.properties"
  ! grep -n '@[A-Z_]*@' "$T/$n/server.properties" || fail "unrendered token in $n"
}
if [[ $MODE == combined ]]; then
  for c in "${controllers[@]}"; do render "$c" "$here/combined.properties"; done
else
  for c in "${controllers[@]}"; do render "$c" "$here/controller.properties"; done
  for b in "${brokers[@]}"; do render "$b" "$here/broker.properties"; done
fi

ADMIN_PASSWORD=admin-$RANDOM$RANDOM
sed -e "s|@ADMIN_PASSWORD@|$ADMIN_PASSWORD|" -e "s|@TLS_DIR@|$T/tls|" "$here/admin.properties" >"$T/admin.properties"
client() { # USER PASSWORD FILE
  printf '%s\n' "security.protocol=SASL_SSL" "sasl.mechanism=SCRAM-SHA-512" \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$2\";" \
    "ssl.truststore.type=PEM" "ssl.truststore.location=$T/tls/ca.pem" >"$3"
}

# --- format: one cluster id; the controllers with the initial voter set; SCRAM admin bootstrapped ---
cluster_id=$(ktool storage random-uuid)
initial=""
declare -A dirid
for c in "${controllers[@]}"; do dirid[$c]=$(ktool storage random-uuid); initial+="${ids[$c]}@${nodes[$c]}:9093:${dirid[$c]},"; done
initial=${initial%,}
say "formatting (cluster id $cluster_id)"
for c in "${controllers[@]}"; do
  ktool storage format --cluster-id "$cluster_id" --initial-controllers "$initial" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$ADMIN_PASSWORD]" --config "$T/$c/server.properties" >"$T/$c/format.log" 2>&1 ||
    { cat "$T/$c/format.log" >&2; fail "format $c"; }
  grep -qx "directory.id=${dirid[$c]}" "$T/$c/metadata/meta.properties" || fail "$c: meta.properties does not carry the directory id given in --initial-controllers"
done
for b in ${brokers[@]+"${brokers[@]}"}; do
  ktool storage format --cluster-id "$cluster_id" --config "$T/$b/server.properties" >"$T/$b/format.log" 2>&1 ||
    { cat "$T/$b/format.log" >&2; fail "format $b"; }
done

# --- start (small heaps; production values are in systemd/kafka.env) ---
start() { # NODE — with the production log4j2.properties (logs in $T/NODE)
  local n=$1
  setsid java -Xms128m -Xmx384m -XX:+UseG1GC -Djava.awt.headless=true "-Dkafka.logs.dir=$T/$n" \
    "-Dlog4j2.configurationFile=$here/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$T/$n/server.properties" </dev/null >"$T/$n/stdout.log" 2>&1 &
  pids+=($!); eval "pid_$n=$!"
}
say "starting ${#controllers[@]} controllers${brokers[0]+ and ${#brokers[@]} brokers} ($MODE)"
for n in "${controllers[@]}" ${brokers[@]+"${brokers[@]}"}; do start "$n"; done
BOOTSTRAP=$(for b in kb1 kb2 kb3; do printf '%s:9092,' "${nodes[$b]}"; done); export BOOTSTRAP=${BOOTSTRAP%,}
export ADMIN_CONFIG=$T/admin.properties
deadline=$((SECONDS + 90))
quorum_status() { ktool metadata-quorum --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" describe "$@" 2>&1; }
# ready: the quorum answers through a broker, and the three brokers (observers, or voters in
# combined mode) all replicate the metadata log
want='^\s*1[123]\s'; [[ $MODE == combined ]] && want='^\s*[123]\s'
until out=$(quorum_status --status) && [[ $(quorum_status --replication | grep -cE "$want") == 3 ]] &&
      ktool topics --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --list >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { echo "$out" >&2; quorum_status --replication >&2; fail "cluster not ready after 90 s"; }
  sleep 2
done
say "quorum: $(grep -E 'LeaderId|CurrentVoters' <<<"$out" | tr -s ' ' | cut -c1-160 | tr '\n' ' ')"

# --- the scripts under test ---
SERVE_PASSWORD=serve-$RANDOM PROJECT_PASSWORD=project-$RANDOM
SERVE_PASSWORD=$SERVE_PASSWORD PROJECT_PASSWORD=$PROJECT_PASSWORD BACKUP_PASSWORD=backup-$RANDOM MONITOR_PASSWORD=monitor-$RANDOM \
  "$here/acls.sh" 2>"$T/acls.log" || { cat "$T/acls.log" >&2; fail "acls.sh"; }
"$here/topics.sh" || fail "topics.sh"
"$here/topics.sh" --check >"$T/check1" || { cat "$T/check1"; fail "topics.sh --check after creation"; }
"$here/topics.sh" 2>"$T/second.log" >/dev/null || fail "second topics.sh run"
grep -q creating "$T/second.log" && fail "second topics.sh run created a topic again"
say "1. topics.sh created the topics, --check passes, a second run is a no-op: ok"
ktool topics --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --describe --topic choucha.events | sed 's/^/[selftest]   /' >&2

client choucha-serve "$SERVE_PASSWORD" "$T/serve.properties"
client choucha-project "$PROJECT_PASSWORD" "$T/project.properties"
produce() { # CLIENTCONFIG VALUE — acks=all, key = a stream id; prints the tool's output
  printf 'plan-P1\t%s\n' "$2" | timeout 60 "$here/ktool.sh" console-producer --bootstrap-server "$BOOTSTRAP" --topic choucha.events \
    --command-config "$1" --sync --command-property acks=all --command-property retries=0 --command-property delivery.timeout.ms=15000 \
    --command-property request.timeout.ms=10000 --command-property linger.ms=0 --reader-property parse.key=true \
    --reader-property 'key.separator=	' 2>&1
}
events() { # the values in choucha.events, read as choucha-serve
  timeout 60 "$here/ktool.sh" console-consumer --bootstrap-server "$BOOTSTRAP" --topic choucha.events --partition 0 --offset earliest \
    --command-config "$T/serve.properties" --timeout-ms 8000 2>/dev/null | tr '\n' ' ' || true
}
out=$(produce "$T/serve.properties" '{"n":1}')
grep -qiE 'error|exception' <<<"$out" && fail "choucha-serve could not produce: $out"
[[ $(events) == '{"n":1} ' ]] || fail "could not read back the event (got: $(events))"
say "2. choucha-serve appends with acks=all and reads it back: ok"
out=$(produce "$T/project.properties" '{"n":"x"}' || true)
grep -q 'AuthorizationException' <<<"$out" || fail "choucha-project was not refused: $out"
grep -q 'User:choucha-project is Denied operation = WRITE .*Topic:LITERAL:choucha.events' "$T"/kb*/kafka-authorizer.log || fail "no denial of choucha-project in the brokers' kafka-authorizer.log"
[[ $(events) == '{"n":1} ' ]] || fail "choucha-project's write landed"
say "3. choucha-project is refused writing ($(grep -oE '[A-Za-z]+AuthorizationException' <<<"$out" | head -1); broker: Denied WRITE on choucha.events): ok"
out=$(ktool topics --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --delete --topic choucha.events 2>&1 || true)
sleep 2
ktool topics --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --list | grep -qx choucha.events || fail "choucha.events was deleted: $out"
say "4. deleting choucha.events is refused ($(grep -oE '[A-Za-z]*(Disabled|Authorization)[A-Za-z]*Exception' <<<"$out" | head -1)): ok"

stopnode() { local p; p=$(eval echo "\$pid_$1"); kill "$p"; for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done; kill -9 "$p"; }
stopnode kb3
sleep 3
out=$(produce "$T/serve.properties" '{"n":2}')
grep -qiE 'error|exception' <<<"$out" && fail "one broker down: append failed: $out"
[[ $(events) == '{"n":1} {"n":2} ' ]] || fail "one broker down: could not read back (got: $(events))"
say "5. kb3 down: acks=all append still succeeds (ISR 2 of 3): ok"
stopnode kb2
sleep 3
out=$(produce "$T/serve.properties" '{"n":3}' || true)
grep -qE 'NotEnoughReplicas|NOT_ENOUGH_REPLICAS|TimeoutException' <<<"$out" || fail "two brokers down: the append was not refused: $out"
say "6. kb2+kb3 down: acks=all append refused ($(grep -oE 'NotEnoughReplicas[A-Za-z]*|NOT_ENOUGH_REPLICAS|TimeoutException' <<<"$out" | head -1)): ok"
start kb2; start kb3
stopnode "$first_voter"
deadline=$((SECONDS + 90))
until out=$(produce "$T/serve.properties" '{"n":4}') && ! grep -qiE 'error|exception' <<<"$out"; do
  ((SECONDS < deadline)) || fail "kb2/kb3 back, $first_voter down: appends do not resume: $out"
  sleep 3
done
[[ $(events) == *'{"n":4}'* ]] || fail "event 4 not readable"
[[ $(events) != *'{"n":3}'* ]] || say "   note: event 3 was refused to the producer but is in the log (a refused append may still land: rule 1 and command ids make a retry harmless)"
leader=$(quorum_status --status | grep -o 'LeaderId:\s*[0-9]*' | tr -s ' ')
say "7. $first_voter down, kb2+kb3 back: quorum $leader, appends work again: ok"
say "all checks passed"
if [[ -n ${HOLD:-} ]]; then
  printf 'BOOTSTRAP=%s\nCA=%s\nSERVE_PASSWORD=%s\nPROJECT_PASSWORD=%s\n' "$BOOTSTRAP" "$T/tls/ca.pem" "$SERVE_PASSWORD" "$PROJECT_PASSWORD" >"$T/env"
  say "holding the cluster ${HOLD}s (HOLD) for manual checks; addresses and passwords in $T/env"
  sleep "$HOLD" & wait $!   # interruptible: a SIGTERM/Ctrl-C runs the cleanup at once
fi
