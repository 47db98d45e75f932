#!/bin/bash
# profile.sh: one weft-load workload against a release weftd under
# `perf record -g` (or, with TOOL=massif, under valgrind's heap profiler), with
# the server on CPU 0 and the generator on CPU 1, loopback only.
#
#   tests/bench/profile.sh W6 --senders 100 --duration 10
#   tests/bench/profile.sh W2 --members 1000 --rates 20 --duration 10
#   TOOL=massif tests/bench/profile.sh W4 --conns 1000 --duration 5
#   WEFTD_ARGS="--event-loop uv" tests/bench/profile.sh W3 --members 5000
#
# Writes $OUT (default build-bench/bench-profile/WN-STAMP/): perf.data,
# report.txt (flat, by DSO, and call graphs), metrics before/after (store
# commits vs jobs: the group-commit batch size), the generator's table.
# Expects build-bench/ built (compare.sh builds it). Stops what it started.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
W=${1:?usage: profile.sh W1..W6 [weft-load options]}
shift
TOOL=${TOOL:-perf}
ACCOUNTS=${ACCOUNTS:-500}
PORT=${PORT:-18643}
OUT=${OUT:-$build/bench-profile/$W-$(date -u +%Y%m%dT%H%M%SZ)}
WEFTD=$build/weftd
LOAD=$build/tests/bench/weft-load
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/weft-profile.XXXXXX)
pid=
perf_pid=
cleanup() {
    [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)"

"$LOAD" setup --create --weftd "$WEFTD" --data "$tmp/data" --accounts "$ACCOUNTS" >"$OUT/setup.log" 2>&1 ||
    { echo "profile: account setup failed" >&2; exit 1; }
args=(serve --data "$tmp/data" --bind ::ffff:127.0.0.1 --port "$PORT" --max-conns-per-addr 0 --channels-per-day 0
      --rate 100000 --burst 1000000 --argon2-iterations 1 --argon2-memory 1024 --log-level warn
      ${WEFTD_ARGS:-})
if [ "$TOOL" = massif ]; then
    taskset -c 0 valgrind --tool=massif --massif-out-file="$OUT/massif.out" --threshold=0.5 \
        "$WEFTD" "${args[@]}" 2>"$OUT/server.log" &
else
    taskset -c 0 "$WEFTD" "${args[@]}" 2>"$OUT/server.log" &
fi
pid=$!
for _ in $(seq 1 300); do
    ss -Hltn "sport = :$PORT" | grep -q . && break
    sleep 0.1
done
url=https://127.0.0.1:$PORT
"$LOAD" setup --target "$url" --accounts "$ACCOUNTS" --tokens "$tmp/tokens" >>"$OUT/setup.log" 2>&1 ||
    { echo "profile: login failed" >&2; exit 1; }
metrics() { curl -sk "$url/metrics" | grep -E '^weft_(store|frames|messages|conn)' ; }
metrics >"$OUT/metrics.before" 2>/dev/null
if [ "$TOOL" = perf ]; then
    perf record -g -F 999 -p "$pid" -o "$OUT/perf.data" >"$OUT/perf.log" 2>&1 &
    perf_pid=$!
fi
taskset -c 1 "$LOAD" --target "$url" --tokens "$tmp/tokens" --server-pid "$pid" --workload "$W" \
    --json "$OUT/$W.json" "$@" | tee "$OUT/$W.txt"
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null
    perf_pid=
fi
metrics >"$OUT/metrics.after" 2>/dev/null
paste "$OUT/metrics.before" "$OUT/metrics.after" 2>/dev/null | awk '{printf "%s %s -> %s (+%s)\n", $1, $2, $4, $4-$2}'
if [ "$TOOL" = perf ]; then
    {
        echo "== by thread"
        perf report -i "$OUT/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -10
        echo "== by DSO"
        perf report -i "$OUT/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
        echo "== flat (self)"
        perf report -i "$OUT/perf.data" --no-children --sort comm,dso,symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -45
        echo "== inclusive (children)"
        perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -45
        echo "== call graphs (caller, >3%)"
        perf report -i "$OUT/perf.data" --no-children --stdio -g caller,0.5,3 --percent-limit 3 2>/dev/null | grep -v '^$' | head -250
    } >"$OUT/report.txt"
    echo "profile: $OUT/report.txt"
else
    kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=
    ms_print "$OUT/massif.out" >"$OUT/report.txt"
    echo "profile: $OUT/report.txt"
fi
