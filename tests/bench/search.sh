#!/bin/sh
# Search latency over 1,000,000 messages, server-side (tests/bench/README.md,
# "Search"): builds a Release bench_search, the data directory once (kept
# for later runs: ~40 s, ~600 MB), then the measurement.
#   tests/bench/search.sh [datadir] [queries]      default /tmp/weft-search-1m 2000
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
dir=${1:-/tmp/weft-search-1m}
queries=${2:-2000}
build=${BUILD:-$src/build-bench}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_search -j2 >/dev/null
if [ ! -f "$dir/weft.db" ]; then
	"$build/tests/bench/bench_search" build "$dir" 1000000
fi
"$build/tests/bench/bench_search" run "$dir" "$queries"
