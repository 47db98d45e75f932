#!/bin/sh
# bench.smoke: starts a real weftd on a free loopback port, provisions a few
# accounts, runs every weft-load workload for about two seconds at tiny sizes
# and prints the tables. Passes when every generator run completed and the
# server stayed up (and W5 reported the server-side history figures it reads
# from /metrics). It checks no performance numbers, ever.
#
# usage: smoke.sh [WEFTD [WEFT_LOAD]]
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
WEFTD=${1:-${WEFTD:-$root/build/weftd}}
LOAD=${2:-${WEFT_LOAD:-$root/build/tests/bench/weft-load}}
ACCOUNTS=${SMOKE_ACCOUNTS:-12} # W6 below needs 10 (one per sender's channel)

for f in "$WEFTD" "$LOAD"; do
    if [ ! -x "$f" ]; then
        echo "smoke: $f is missing (build first)" >&2
        exit 1
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-bench-smoke.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "smoke: FAIL: $*" >&2
    if [ -f "$tmp/server.log" ]; then
        echo "--- server log (tail) ---" >&2
        tail -n 30 "$tmp/server.log" >&2
    fi
    exit 1
}

# Accounts first: `weftd user add` creates the data directory and database.
"$LOAD" setup --create --weftd "$WEFTD" --data "$tmp/data" --accounts "$ACCOUNTS" \
    || fail "creating accounts"

"$WEFTD" serve --data "$tmp/data" --port 0 --bind 127.0.0.1 --channels-per-day 0 \
    --argon2-iterations 1 --argon2-memory 1024 2>"$tmp/server.log" &
server_pid=$!

url=
i=0
while [ $i -lt 300 ]; do
    url=$(sed -n 's/.* event=ready url=\(https:\/\/[^ ]*\).*$/\1/p' "$tmp/server.log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "weftd exited before it was ready"
    sleep 0.1
    i=$((i + 1))
done
[ -n "$url" ] || fail "weftd did not print its ready line within 30 s"
echo "smoke: weftd pid $server_pid at $url"

"$LOAD" setup --target "$url" --accounts "$ACCOUNTS" --tokens "$tmp/tokens" \
    || fail "signing accounts in"

common="--target $url --tokens $tmp/tokens --server-pid $server_pid --drain 1"
run() {
    name=$1
    shift
    echo "smoke: weft-load --workload $name $*"
    # shellcheck disable=SC2086
    "$LOAD" --workload "$name" $common --json "$tmp/$name.json" "$@"
    rc=$?
    kill -0 "$server_pid" 2>/dev/null || fail "weftd died during $name"
    [ $rc -eq 0 ] || fail "weft-load $name exited with status $rc"
    [ -s "$tmp/$name.json" ] || fail "weft-load $name wrote no JSON report"
}

run W1 --channels 4 --members 5 --rates 10,40 --duration 1
run W2 --members 20 --rates 5,20,50 --duration 1
run W3 --members 20 --duration 2
run W4 --conns 50 --duration 2
run W5 --conns 5 --seed 300 --seed-conns 2 --rate 50 --duration 2
# the server-side history figures come from /metrics (weft_history_seconds)
grep -q '"history_server_p99_ms"' "$tmp/W5.json" \
    || fail "W5 report has no server-side history figures (GET /metrics)"
run W6 --senders 10 --duration 2

kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=
echo "smoke: weftd exited with status $status after SIGTERM"
echo "smoke: ok"
exit 0
