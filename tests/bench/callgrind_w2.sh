#!/bin/bash
# Instructions per delivery, which do not drift with the machine's load:
# weftd under callgrind, W2 with one channel of 100 members at RATE msg/s for
# 10 s. Prints the deliveries and each thread's instruction total; thread 01
# is the service thread. Run at two rates and divide the difference by the
# difference in deliveries (see README.md, "instructions per delivery").
#
# usage: tests/bench/callgrind_w2.sh WEFTD WEFT_LOAD RATE OUTPREFIX
set -u
WEFTD=$1; LOAD=$2; RATE=$3; OUT=$4
d=$(mktemp -d /tmp/weft-cg.XXXX)
"$LOAD" setup --create --weftd "$WEFTD" --data "$d/data" --accounts 20 > "$d/setup.log" 2>&1 || { tail "$d/setup.log"; exit 1; }
port=$((20000 + RANDOM % 20000))
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT.%p" "$WEFTD" serve --data "$d/data" \
  --bind 127.0.0.1 --port $port --max-conns-per-addr 0 --channels-per-day 0 --rate 100000 --burst 1000000 \
  --argon2-iterations 1 --argon2-memory 1024 --log-level warn 2> "$d/server.log" &
pid=$!
for i in $(seq 1 120); do grep -q "ready" "$d/server.log" 2>/dev/null && break; sleep 1; done
"$LOAD" setup --target https://127.0.0.1:$port --accounts 20 --tokens "$d/tokens" >> "$d/setup.log" 2>&1 || { tail "$d/setup.log"; kill $pid; exit 1; }
"$LOAD" run --target https://127.0.0.1:$port --tokens "$d/tokens" --workload W2 --channels 1 --members 100 \
  --rates "$RATE" --duration 10 --settle 30 > "$d/load.log" 2>&1
kill -TERM $pid; wait $pid
grep -h "delivered of" "$d/load.log" | tail -1
for f in "$OUT.$pid"-*; do echo "$f $(grep -m1 '^summary:\|^totals:' "$f")"; done
