#!/bin/bash
# compare.sh: weftd against mosquitto 2.0 (MQTT over WebSocket) and ejabberd
# 23.01 (XMPP over WebSocket, RFC 7395, MUC + MAM on SQLite) on the weft-load
# workloads W1-W6, on this machine, loopback only. See README.md "Comparing
# with other servers".
#
#   sudo tests/bench/compare.sh            # issue sizes (takes well over an hour)
#   QUICK=1 tests/bench/compare.sh         # every workload at small sizes, ~3 min
#
# Run as root on Debian 12 from a clone of the repository. It
#   1. installs what is missing with apt (mosquitto, ejabberd, erlang-p1-sqlite3,
#      build tools) without letting the packages start or enable their services,
#   2. builds a release weftd and weft-load in build-bench/,
#   3. makes one ECDSA P-256 self-signed certificate in a temp dir, used by all,
#   4. starts each server on 127.0.0.1 only, pinned to CPU 0 (taskset), with the
#      generator on CPU 1, and runs the workloads each supports, interleaved
#      (W1 on every server, then W2, ...), the servers not being measured
#      held with SIGSTOP, and
#   5. writes the JSON reports to $RESULTS and prints Weft's figures with the
#      ratio Weft/peer per figure (report.py).
# Every server it started is stopped on exit (by PID, never by name).
#
# Sizes (environment; defaults are the issue's):
#   DURATION=10          seconds per step (W1, W2, W4-W6)
#   W1_CHANNELS=100 W1_MEMBERS=10 W1_RATES=100,200,500,1000
#   W2_MEMBERS=1000 W2_RATES=1,2,5,10,20,40,50,100,200,500,1000   (40 msg/s x 1000 = 40k deliveries/s)
#   W3_MEMBERS=5000 W3_RATE=1 W3_DURATION=30
#   W4_CONNS=18000 W4_DURATION=10
#   W5_SEED=1000000 W5_READERS=50     (EJ_W5_SEED: ejabberd's seed, default W5_SEED)
#   W6_SENDERS=100
#   ACCOUNTS=500         weft and ejabberd accounts (W3 shares 10 connections per account)
#   EJ_W3_MEMBERS, EJ_W4_CONNS  ejabberd-only caps (a MUC join broadcasts presence to
#                        every occupant: O(members^2) stanzas of setup)
# Other knobs:
#   PEERS="weft mosquitto ejabberd"  WORKLOADS="W1 W2 W3 W4 W5 W6"
#   RESULTS=dir (default build-bench/bench-results/UTC-STAMP)
#   SKIP_INSTALL=1 SKIP_BUILD=1  RUN_TIMEOUT=seconds per generator run
#   SERVER_CPU=0 LOAD_CPU=1      cores for taskset
#   BENCH_NICE=0                 nice value for servers and generator (e.g. -5 on a
#                                shared machine; the load average is logged per run)
#   WEFT_RATE=1000000            weftd --rate (benchmark load, not abuse)
#   WEFT_BIND=127.0.0.1          weftd --bind (weftd turns IPv6 off for an IPv4
#                                address, so this binds loopback only)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    : "${DURATION:=2}" "${W1_CHANNELS:=10}" "${W1_MEMBERS:=10}" "${W1_RATES:=50,200}"
    : "${W2_MEMBERS:=200}" "${W2_RATES:=20,200,500}" "${W3_MEMBERS:=300}" "${W3_DURATION:=4}"
    : "${W4_CONNS:=1000}" "${W4_DURATION:=2}" "${W5_SEED:=2000}" "${W5_READERS:=10}"
    : "${W6_SENDERS:=20}" "${ACCOUNTS:=100}" "${RUN_TIMEOUT:=120}"
fi
: "${DURATION:=10}" "${W1_CHANNELS:=100}" "${W1_MEMBERS:=10}" "${W1_RATES:=100,200,500,1000}"
: "${W2_MEMBERS:=1000}" "${W2_RATES:=1,2,5,10,20,40,50,100,200,500,1000}"
: "${W3_MEMBERS:=5000}" "${W3_RATE:=1}" "${W3_DURATION:=30}"
: "${W4_CONNS:=18000}" "${W4_DURATION:=10}"
: "${W5_SEED:=1000000}" "${W5_READERS:=50}" "${W6_SENDERS:=100}" "${ACCOUNTS:=500}"
: "${EJ_W3_MEMBERS:=$W3_MEMBERS}" "${EJ_W4_CONNS:=$W4_CONNS}" "${EJ_W5_SEED:=$W5_SEED}"
: "${PEERS:=weft mosquitto ejabberd}" "${WORKLOADS:=W1 W2 W3 W4 W5 W6}"
: "${RESULTS:=$build/bench-results/$stamp}" "${RUN_TIMEOUT:=1800}"
: "${BENCH_NICE:=0}" "${SERVER_CPU:=0}" "${LOAD_CPU:=1}" "${WEFT_RATE:=1000000}" "${WEFT_BIND:=127.0.0.1}"
: "${WEFT_PORT:=18543}" "${MQ_TCP_PORT:=18883}" "${MQ_WS_PORT:=18443}" "${EJ_PORT:=15443}"

WEFTD=$build/weftd
LOAD=$build/tests/bench/weft-load

log() { printf 'compare: %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get, ejabberd, ulimit -n)"

# ---- cleanup: only what this script started ------------------------------------
tmp=$(mktemp -d /tmp/weft-compare.XXXXXX)
declare -a started_pids=()
policy_rc_added=0

stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -CONT "$pid" 2>/dev/null # held between workloads (SIGSTOP)
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do
        stop_pid "$pid"
    done
    [ "$policy_rc_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. packages ------------------------------------------------------------------
pkgs="build-essential cmake pkg-config libwebsockets-dev libwebsockets-evlib-ev libev-dev libsqlite3-dev libssl-dev libcjson-dev
      libargon2-dev openssl sqlite3 python3 iproute2 util-linux coreutils
      mosquitto ejabberd erlang-p1-sqlite3"
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    missing=
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        log "installing:$missing"
        # Debian's maintainer scripts start (and enable) mosquitto and ejabberd
        # as system services listening on every interface: forbid that.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            policy_rc_added=1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null || die "apt-get update"
        # shellcheck disable=SC2086
        apt-get install -y -q --no-install-recommends $missing >"$tmp/apt.log" 2>&1 ||
            { tail -20 "$tmp/apt.log" >&2; die "apt-get install"; }
        if [ "$policy_rc_added" = 1 ]; then rm -f /usr/sbin/policy-rc.d; policy_rc_added=0; fi
    fi
    # leave no service enabled (no-ops where systemd is not running)
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        systemctl disable mosquitto.service ejabberd.service >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null; then
        update-rc.d mosquitto disable >/dev/null 2>&1 || true
        update-rc.d ejabberd disable >/dev/null 2>&1 || true
    fi
fi
for p in mosquitto ejabberd; do
    if pgrep -x "$p" >/dev/null 2>&1 || { [ "$p" = ejabberd ] && pgrep -f 'beam.*ejabberd' >/dev/null 2>&1; }; then
        log "note: a $p process not started by this script is running (left alone); ports used here: $MQ_WS_PORT $EJ_PORT"
    fi
done

# ---- 2. build ---------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building release weftd and weft-load in $build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWEFT_SANITIZE=OFF \
        ${BENCH_CMAKE_ARGS:-} >"$tmp/cmake.log" 2>&1 || { tail -30 "$tmp/cmake.log" >&2; die cmake; }
    cmake --build "$build" --target weftd weft-load -j"$(nproc)" >>"$tmp/cmake.log" 2>&1 ||
        { tail -30 "$tmp/cmake.log" >&2; die build; }
fi
[ -x "$WEFTD" ] && [ -x "$LOAD" ] || die "$WEFTD or $LOAD missing"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
log "results in $RESULTS; fd limit $(ulimit -n)"

# ---- 3. one certificate for everybody: ECDSA P-256 --------------------------------
tls=$tmp/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" >/dev/null 2>&1 || die "openssl req"
chmod 644 "$tls/key.pem" "$tls/cert.pem"

# ---- 4. servers -----------------------------------------------------------------
server_pid=
peer_url=

# Refuses a server that listens anywhere but loopback (TCP or UDP).
loopback_only() { # pid name
    local bad
    bad=$(ss -Hltunp 2>/dev/null | grep "pid=$1," | awk '{print $5}' |
          grep -v -E '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$' || true)
    [ -z "$bad" ] && return 0
    log "$2 listens beyond loopback ($(echo $bad)): stopped"
    stop_pid "$1"
    return 1
}

wait_port() { # port pid seconds
    local _
    for _ in $(seq 1 $(($3 * 10))); do
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

start_weft() {
    local d=$tmp/weft
    if [ ! -d "$d/data" ]; then
        mkdir -p "$d"
        log "weft: creating $ACCOUNTS accounts"
        "$LOAD" setup --create --weftd "$WEFTD" --data "$d/data" --accounts "$ACCOUNTS" \
            >"$d/setup.log" 2>&1 || { tail "$d/setup.log" >&2; return 1; }
    fi
    nice -n "$BENCH_NICE" taskset -c "$SERVER_CPU" "$WEFTD" serve --data "$d/data" --bind "$WEFT_BIND" --port "$WEFT_PORT" \
        --cert "$tls/cert.pem" --key "$tls/key.pem" \
        --max-conns-per-addr 0 --channels-per-day 0 --rate "$WEFT_RATE" --burst 1000000 \
        --argon2-iterations 1 --argon2-memory 1024 --log-level warn 2>>"$d/server.log" &
    server_pid=$!
    started_pids+=("$server_pid")
    wait_port "$WEFT_PORT" "$server_pid" 30 || { tail "$d/server.log" >&2; return 1; }
    loopback_only "$server_pid" weftd || return 1
    peer_url=https://127.0.0.1:$WEFT_PORT
    if [ ! -s "$d/tokens" ]; then
        "$LOAD" setup --target "$peer_url" --accounts "$ACCOUNTS" --tokens "$d/tokens" \
            >>"$d/setup.log" 2>&1 || { tail "$d/setup.log" >&2; return 1; }
    fi
    peer_args=(--proto weft --target "$peer_url" --tokens "$d/tokens")
}

start_mosquitto() {
    local d=$tmp/mosquitto
    mkdir -p "$d"
    # Persistence as Debian ships it (/etc/mosquitto/mosquitto.conf): persistence
    # true, autosave_interval 1800 s (default): the in-memory state is written
    # every 30 min and on exit; PUBACK never waits for a disk write.
    cat >"$d/mosquitto.conf" <<EOF
user root
persistence true
persistence_location $d/
log_dest stderr
log_type error
log_type warning
allow_anonymous true
listener $MQ_TCP_PORT 127.0.0.1
listener $MQ_WS_PORT 127.0.0.1
protocol websockets
# without this lws (4.1.6, IPv6 enabled) binds the websockets listener to [::]
socket_domain ipv4
certfile $tls/cert.pem
keyfile $tls/key.pem
EOF
    nice -n "$BENCH_NICE" taskset -c "$SERVER_CPU" mosquitto -c "$d/mosquitto.conf" 2>>"$d/server.log" &
    server_pid=$!
    started_pids+=("$server_pid")
    wait_port "$MQ_WS_PORT" "$server_pid" 30 || { tail "$d/server.log" >&2; return 1; }
    loopback_only "$server_pid" mosquitto || return 1
    peer_url=https://127.0.0.1:$MQ_WS_PORT
    peer_args=(--proto mqtt --target "$peer_url")
}

start_ejabberd() {
    local d=$tmp/ejabberd
    if [ ! -f "$d/ejabberd.db" ]; then
        mkdir -p "$d/spool" "$d/log"
        # MUC rooms, MAM and accounts in SQLite. ejabberd creates no schema for
        # an existing file, so create it from the shipped lite.sql, with the
        # accounts (plain password format, as auth_password_format: plain).
        local schema=/usr/share/ejabberd/sql/lite.sql
        [ -f "$schema" ] || schema=$(ls /usr/lib/*/ejabberd-*/priv/sql/lite.sql | head -n 1)
        {
            cat "$schema"
            echo "BEGIN;"
            seq 0 $((ACCOUNTS - 1)) |
                sed "s/.*/INSERT INTO users(username,password) VALUES('load&','weft-load-password');/"
            echo "COMMIT;"
        } | sqlite3 "$d/ejabberd.db" || return 1
    fi
    cat >"$d/ejabberd.yml" <<EOF
hosts: [localhost]
loglevel: warning
certfiles: ["$tls/cert.pem", "$tls/key.pem"]
default_db: sql
sql_type: sqlite
sql_database: "$d/ejabberd.db"
auth_method: [sql]
auth_password_format: plain
listen:
  - port: $EJ_PORT
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: true
    request_handlers:
      /ws: ejabberd_http_ws
shaper:
  normal: 10000000
  fast: 50000000
shaper_rules:
  c2s_shaper: fast
access_rules:
  local: {allow: all}
  c2s: {allow: all}
  muc_create: {allow: all}
  muc_admin: {allow: all}
  muc: {allow: all}
modules:
  mod_disco: {}
  mod_ping: {}
  mod_mam:
    db_type: sql
    default: always
  mod_muc:
    db_type: sql
    access: muc
    access_create: muc_create
    access_persistent: muc_create
    access_admin: muc_admin
    max_users: 100000
    history_size: 0
    default_room_options:
      mam: true
      persistent: true
      max_users: 100000
EOF
    # erl directly (what `ejabberdctl foreground` runs, minus su and Erlang
    # distribution): no epmd, no distribution port, nothing but the listener
    # above, and the PID is beam.smp's (erl and erlexec exec).
    (
        cd "$d/spool" || exit 1
        export EJABBERD_CONFIG_PATH=$d/ejabberd.yml EJABBERD_LOG_PATH=$d/log/ejabberd.log
        ERL_LIBS=$(dirname "$(ls -d /usr/lib/*/ejabberd-* | head -n 1)")
        export ERL_LIBS
        export ERL_MAX_PORTS=32000 ERL_MAX_ETS_TABLES=1400 ERL_CRASH_DUMP_BYTES=0
        export ERL_CRASH_DUMP=$d/log/erl_crash.dump ERL_INETRC=$d/inetrc
        exec nice -n "$BENCH_NICE" taskset -c "$SERVER_CPU" erl -noinput +K true +P 250000 \
            -mnesia dir "\"$d/spool\"" -s ejabberd
    ) >>"$d/server.log" 2>&1 &
    server_pid=$!
    started_pids+=("$server_pid")
    wait_port "$EJ_PORT" "$server_pid" 60 || { tail "$d/server.log" "$d/log/ejabberd.log" >&2; return 1; }
    sleep 1 # modules may open more sockets after the listener
    loopback_only "$server_pid" ejabberd || return 1
    peer_url=https://127.0.0.1:$EJ_PORT
    peer_args=(--proto xmpp --target "$peer_url" --accounts "$ACCOUNTS")
}

# ---- 5. workloads ------------------------------------------------------------------
supports() { # peer workload
    [ "$1" = mosquitto ] && [ "$2" = W5 ] && return 1
    return 0
}

wl_args() { # peer workload
    local w3m=$W3_MEMBERS w4c=$W4_CONNS seed=$W5_SEED
    if [ "$1" = ejabberd ]; then w3m=$EJ_W3_MEMBERS; w4c=$EJ_W4_CONNS; seed=$EJ_W5_SEED; fi
    case $2 in
    W1) echo "--channels $W1_CHANNELS --members $W1_MEMBERS --rates $W1_RATES --duration $DURATION" ;;
    W2) echo "--channels 1 --members $W2_MEMBERS --rates $W2_RATES --duration $DURATION" ;;
    W3) echo "--channels 1 --members $w3m --rate $W3_RATE --duration $W3_DURATION" ;;
    W4) echo "--conns $w4c --duration $W4_DURATION" ;;
    W5) echo "--seed $seed --conns $W5_READERS --duration $DURATION" ;;
    W6) echo "--senders $W6_SENDERS --duration $DURATION" ;;
    esac
}

{
    echo "date_utc=$stamp quick=$QUICK"
    echo "nproc=$(nproc) cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "mem=$(free -m | awk '/^Mem:/{print $2}')MiB kernel=$(uname -r)"
    for p in libwebsockets17 libsqlite3-0 libssl3 mosquitto ejabberd erlang-base erlang-p1-sqlite3; do
        echo "$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
    done
    for v in DURATION W1_CHANNELS W1_MEMBERS W1_RATES W2_MEMBERS W2_RATES W3_MEMBERS W3_RATE \
             W3_DURATION W4_CONNS W4_DURATION W5_SEED W5_READERS W6_SENDERS ACCOUNTS \
             EJ_W3_MEMBERS EJ_W4_CONNS EJ_W5_SEED WEFT_RATE; do
        echo "$v=${!v}"
    done
} >"$RESULTS/env.txt"

t_all=$(date +%s)
# Every server is started first and then held with SIGSTOP while the others
# run; the workloads are interleaved (W1 on each server, then W2 on each,
# ...), so the figures of one ratio are taken minutes apart, not a whole
# server's run apart: this VM's speed drifts by up to 2x over tens of
# minutes (the generator's own CPU per message moves with it).
declare -A pid_of=() args_of=()
run_peers=()
start_peer() { # peer
    server_pid=
    peer_args=()
    log "$1: starting (CPU $SERVER_CPU)"
    "start_$1" || { log "$1: did not start; skipped"; return 1; }
    log "$1: pid $server_pid at $peer_url"
    pid_of[$1]=$server_pid
    args_of[$1]="${peer_args[*]}"
    # warm-up (not reported): the first connections after a start can wait
    # for the server to finish starting (ejabberd: tens of seconds)
    timeout -k 5 120 nice -n "$BENCH_NICE" taskset -c "$LOAD_CPU" "$LOAD" "${peer_args[@]}" --workload W4 --conns 10 \
        --duration 0.5 --quiet >"$RESULTS/$1-warmup.log" 2>&1 ||
        log "$1: warm-up failed (see $RESULTS/$1-warmup.log)"
    kill -STOP "$server_pid"
}
for peer in $PEERS; do
    start_peer "$peer" && run_peers+=("$peer")
done
for w in $WORKLOADS; do
    for peer in "${run_peers[@]}"; do
        if ! supports "$peer" "$w"; then
            log "$peer $w: n/a"
            continue
        fi
        server_pid=${pid_of[$peer]}
        if [ "$server_pid" = dead ]; then
            continue
        fi
        kill -CONT "$server_pid" 2>/dev/null
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "$peer died; restarting"
            start_peer "$peer" || { log "$peer: restart failed"; pid_of[$peer]=dead; continue; }
            server_pid=${pid_of[$peer]}
            kill -CONT "$server_pid"
        fi
        read -r -a peer_args <<<"${args_of[$peer]}"
        # W4's RSS per connection is (RSS connected - RSS before) / connections:
        # let the previous workload's closed connections settle first (weftd
        # returns their memory 2 s after a wave of connections ends), so the
        # baseline does not depend on how soon W4 follows W3.
        [ "$w" = W4 ] && sleep 5
        # shellcheck disable=SC2046
        args=$(wl_args "$peer" "$w")
        log "$peer $w: weft-load $args (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        t0=$(date +%s)
        # shellcheck disable=SC2086
        timeout -k 10 "$RUN_TIMEOUT" nice -n "$BENCH_NICE" taskset -c "$LOAD_CPU" "$LOAD" "${peer_args[@]}" \
            --server-pid "$server_pid" --workload "$w" --json "$RESULTS/$peer-$w.json" $args \
            >"$RESULTS/$peer-$w.txt" 2>"$RESULTS/$peer-$w.log"
        rc=$?
        echo "$peer $w exit=$rc loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/runs.txt"
        log "$peer $w: exit $rc after $(($(date +%s) - t0)) s$([ $rc = 0 ] || echo " (see $RESULTS/$peer-$w.log)")"
        kill -STOP "$server_pid" 2>/dev/null
    done
done
for peer in "${run_peers[@]}"; do
    server_pid=${pid_of[$peer]}
    [ "$server_pid" = dead ] && continue
    kill -CONT "$server_pid" 2>/dev/null
    # listening sockets of this server, for the loopback check below
    ss -Hltunp 2>/dev/null | grep "pid=$server_pid," >"$RESULTS/$peer-listen.txt"
    stop_pid "$server_pid"
    if [ "$peer" = ejabberd ] && [ -f "$tmp/ejabberd/ejabberd.db" ]; then
        {
            echo "journal_mode=$(sqlite3 "$tmp/ejabberd/ejabberd.db" 'PRAGMA journal_mode;')"
            echo "archive_rows=$(sqlite3 "$tmp/ejabberd/ejabberd.db" 'SELECT count(*) FROM archive;')"
        } >"$RESULTS/ejabberd-sqlite.txt" 2>&1
    fi
done
log "all runs took $(($(date +%s) - t_all)) s"

# ---- loopback check --------------------------------------------------------------
bad=$(cat "$RESULTS"/*-listen.txt 2>/dev/null | awk '{print $5}' | grep -v -E '^(127\.|\[::1\]|\[::ffff:127\.)' || true)
if [ -n "$bad" ]; then
    log "WARNING: a server listened beyond loopback: $bad"
fi
leftover=$(ss -Hltunp 2>/dev/null | grep -E '"(mosquitto|beam\.smp|epmd)"' | awk '{print $5}' | grep -v -E '^(127\.|\[::1\])' || true)
[ -n "$leftover" ] && log "WARNING: something (not started here) listens beyond loopback: $leftover"

python3 "$here/report.py" "$RESULTS" | tee "$RESULTS/table.md"
