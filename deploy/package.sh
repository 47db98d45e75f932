#!/usr/bin/env bash
# Builds the Debian package from a release build (no sanitizers) and prints
# its path: build-pkg/weft_VERSION_ARCH.deb. Install it with
#   apt install ./build-pkg/weft_*.deb
# (README, "Install from the package").
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

weft_apt_install "${WEFT_BUILD_PACKAGES[@]}"
cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=OFF -DWEFT_BROWSER_TESTS=OFF >/dev/null
cmake --build build-pkg -j"$(nproc)" --target weftd weft_packaged_conf
(cd build-pkg && cpack -G DEB >/dev/null)
ls "$PWD"/build-pkg/weft_*.deb
