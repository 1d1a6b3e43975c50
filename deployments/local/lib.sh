# shellcheck shell=bash
# Shared by up.sh, down.sh and kafka-tool.sh; not meant to be run on its own.
# Every failure is loud: die() prints the error (and the tail of the relevant log) and exits 1.

set -Eeuo pipefail

LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LOCAL_DIR/../.." && pwd)
STATE=${CHOUCHA_LOCAL_STATE:-$REPO/.local}
# The Kafka jars. Another state dir's may be shared: a test's own broker reuses <repo>/.local's.
KAFKA_LIBS=${CHOUCHA_KAFKA_LIBS:-$STATE/kafka/libs}
KAFKA_POM=$LOCAL_DIR/kafka/pom.xml

now_ms() { date +%s%3N; }
T0=$(now_ms)
since() { # elapsed seconds since the ms timestamp $1, e.g. 1.234s
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%03ds' $((d / 1000)) $((d % 1000))
}
say() { printf '[local %6s] %s\n' "$(since "$T0")" "$*"; }
die() {
  printf '\n[local] ERROR: %s\n' "$*" >&2
  exit 1
}
# die_log MESSAGE LOGFILE…: die, showing the last lines of each log file
die_log() {
  local msg=$1 f; shift
  {
    printf '\n[local] ERROR: %s\n' "$msg"
    for f in "$@"; do
      [[ -s $f ]] || continue
      printf '[local] --- last 30 lines of %s ---\n' "$f"
      tail -n 30 "$f"
      printf '[local] --- end of %s ---\n' "$f"
    done
  } >&2
  exit 1
}
trap 'rc=$?; printf "\n[local] ERROR: %s:%s: command failed (exit %s): %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$rc" "$BASH_COMMAND" >&2; exit $rc' ERR

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else die "need root to run: $* (not root, no sudo)"; fi
}

# apt_install LOG PKG… : installs with apt-get; runs `apt-get update` once if the first try fails
# (a fresh machine has no package lists).
apt_install() {
  local log=$1; shift
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: $*"
  local env=(env DEBIAN_FRONTEND=noninteractive)
  if ! as_root "${env[@]}" apt-get install -y --no-install-recommends "$@" >>"$log" 2>&1; then
    say "apt-get install failed once; running apt-get update and retrying (log: $log)"
    as_root "${env[@]}" apt-get update >>"$log" 2>&1 || die_log "apt-get update failed" "$log"
    as_root "${env[@]}" apt-get install -y --no-install-recommends "$@" >>"$log" 2>&1 ||
      die_log "apt-get install $* failed" "$log"
  fi
}

# --- processes -------------------------------------------------------------------------------

alive() { # PID: running and not a zombie
  local pid=$1 st
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || return 1
  st=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $st != Z && $st != X ]]
}

# ours PIDFILE MARKER: prints the pid if the pid file names a live process whose command line
# contains MARKER (the config file path under $STATE), so a recycled pid is never signalled.
ours() {
  local pidfile=$1 marker=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  echo "$pid"
}

# spawn PIDFILE LOG CMD…: starts CMD in its own session (so a Ctrl-C or a process-group kill of
# the caller does not reach it), stdin from /dev/null, stdout+stderr appended to LOG (no pipe of
# the caller stays open; fd 9, the state lock, is closed so the server never holds it), and
# records its pid.
spawn() {
  local pidfile=$1 log=$2; shift 2
  rm -f "$pidfile"
  printf '=== %s: starting %s\n' "$(date '+%F %T')" "$*" >>"$log"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s $pidfile ]] && return 0; sleep 0.02; done
  die "could not start: $* (no pid file $pidfile)"
}

# stop NAME PIDFILE MARKER TIMEOUT_S: TERM, wait, then KILL; removes the pid file. Idempotent.
stop() {
  local name=$1 pidfile=$2 marker=$3 timeout=$4 pid t
  if ! pid=$(ours "$pidfile" "$marker"); then
    if [[ -e $pidfile ]]; then say "$name: not running (stale pid file $pidfile removed)"; rm -f "$pidfile"
    else say "$name: not running"; fi
    return 0
  fi
  t=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(now_ms) + timeout * 1000 ))
  while alive "$pid" && (( $(now_ms) < deadline )); do sleep 0.1; done
  if alive "$pid"; then
    say "$name: pid $pid still running after ${timeout}s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(( $(now_ms) + 10000 ))
    while alive "$pid" && (( $(now_ms) < deadline )); do sleep 0.1; done
    alive "$pid" && die "$name: pid $pid survived SIGKILL"
  fi
  rm -f "$pidfile"
  say "$name: stopped pid $pid in $(since "$t")"
}

# --- ports -----------------------------------------------------------------------------------

# Local ports in use (any state, IPv4 and IPv6), one per line, decimal.
used_ports() {
  local f
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    local _sl addr _rem st _rest
    while read -r _sl addr _rem st _rest; do
      # With "listen", only listening sockets (0A): the leftovers of a stopped server's
      # connections (TIME_WAIT, FIN_WAIT2) do not stop it from binding again (SO_REUSEADDR),
      # so a restart keeps its port.
      if [[ $addr == *:* && ( ${1:-} != listen || $st == 0A ) ]]; then echo $((16#${addr##*:})); fi
    done < <(tail -n +2 "$f")
  done
}
port_free() { local used; used=" $(used_ports listen | tr '\n' ' ') "; [[ $used != *" $1 "* ]]; }

# free_port [AVOID…]: a port below the kernel's ephemeral range (so an outgoing connection
# cannot take it between now and the server's bind), not in use, not in AVOID.
free_port() {
  local low hi lo p i used
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  hi=$((low - 1)); lo=$((hi - 12000)); ((lo < 1025)) && lo=1025
  used=" $(used_ports | tr '\n' ' ') $* "
  for ((i = 0; i < 200; i++)); do
    p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
    [[ $used == *" $p "* ]] || { echo "$p"; return 0; }
  done
  die "no free port found in $lo-$hi"
}

# keep_or_pick SAVED [AVOID…]: SAVED if it is a port that is free now, else a new free port.
keep_or_pick() {
  local saved=$1; shift
  if [[ $saved =~ ^[0-9]+$ ]] && port_free "$saved" && [[ " $* " != *" $saved "* ]]; then echo "$saved"
  else free_port "$@"; fi
}

# --- env file --------------------------------------------------------------------------------

# Rebuilds $STATE/env from the fragments of the services that are running.
write_env() {
  local out=$STATE/env tmp f any=
  tmp=$(mktemp "$STATE/.env.XXXXXX")
  {
    echo "# written by deployments/local/up.sh; KEY=VALUE lines (Make include, or: set -a; . $out; set +a)"
    for f in "$STATE"/kafka/env "$STATE"/clickhouse/env; do
      [[ -s $f ]] && { cat "$f"; any=1; }
    done
  } >"$tmp"
  if [[ -n $any ]]; then mv -f "$tmp" "$out"; else rm -f "$tmp" "$out"; fi
}

lock_state() {
  mkdir -p "$STATE"
  # the state dir ignores itself, so it never shows up in `git status` wherever it lives
  [[ -f $STATE/.gitignore ]] || echo '*' >"$STATE/.gitignore"
  exec 9>"$STATE/.lock"
  if ! flock -n 9; then
    say "waiting for $STATE/.lock (another up.sh/down.sh is running)"
    flock -w 300 9 || die "timed out waiting for the lock $STATE/.lock (another up.sh/down.sh running?)"
  fi
}
