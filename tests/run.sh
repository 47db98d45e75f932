#!/usr/bin/env bash
# Installs what is missing, builds with AddressSanitizer and UBSan, and runs
# every test (unit, integration, browser, bench smoke, fuzz) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

# openssl: the reload test's certificates; systemd: the package test
# (systemd-sysusers, systemd-tmpfiles, systemd-analyze verify).
weft_apt_install "${WEFT_BUILD_PACKAGES[@]}" libcmocka-dev sqlite3 iproute2 python3 chromium fonts-dejavu-core \
	openssl systemd
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ] ||
	! command -v npm >/dev/null; then
	weft_apt_install nodejs
	command -v npm >/dev/null || weft_apt_install npm
fi
npm ci --no-audit --no-fund --loglevel=error

# The libFuzzer targets need clang and its runtime (libclang-rt-14-dev holds
# libclang_rt.fuzzer; clang only recommends it). They get a clang build of
# their own, whose fuzz tests (corpus replays, a short run per target) the
# ctest below runs with the rest: tests/fuzz/README.md. WEFT_TEST_FUZZ=0
# leaves them out.
FUZZ_BUILD=""
if [ "${WEFT_TEST_FUZZ:-1}" != 0 ]; then
	weft_apt_install clang libclang-rt-14-dev
	FUZZ_BUILD="${WEFT_TEST_FUZZ_BUILD:-build-fuzz}"
	CC=clang cmake -S . -B "$FUZZ_BUILD" -DWEFT_FUZZ=ON >/dev/null
	cmake --build "$FUZZ_BUILD" -j"$(nproc)" --target weft_fuzzers
fi

BUILD="${WEFT_TEST_BUILD:-build-tests}"
weft_build "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON -DWEFT_WERROR=ON -DWEFT_FUZZ_BUILD_DIR="$FUZZ_BUILD"

# Leaks are failures too; lws keeps a few process-lifetime allocations in
# OpenSSL's global init, which tests/lsan.supp names.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

cd "$BUILD"
ctest --output-on-failure -j2 --timeout 300
