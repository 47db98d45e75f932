#!/usr/bin/env bash
# Quickstart: install what is missing, build, create a data directory with a
# self-signed certificate and a first admin account, and serve
# https://localhost:8443.
#
# Environment: WEFT_DATA (default ./data), WEFT_PORT (8443), WEFT_BIND
# (127.0.0.1; use 0.0.0.0 to serve other machines), WEFT_ADMIN (admin).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

DATA="${WEFT_DATA:-./data}"
PORT="${WEFT_PORT:-8443}"
BIND="${WEFT_BIND:-127.0.0.1}"
ADMIN="${WEFT_ADMIN:-admin}"

weft_apt_install "${WEFT_BUILD_PACKAGES[@]}"
weft_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=OFF

if [ ! -f "$DATA/weft.db" ]; then
	# A random first password, shown once. Change it after signing in.
	PASSWORD="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
	printf '%s\n' "$PASSWORD" | ./build/weftd user add "$ADMIN" --admin --display "Administrator" --data "$DATA" --log-level warn >/dev/null
	# Everyone starts somewhere: a cohort every new account joins.
	./build/weftd channel add welcome --owner "$ADMIN" --kind cohort \
		--topic "Say hello: who you are, where you work, what you are working on" --data "$DATA" --log-level warn >/dev/null
	cat <<MSG

  Weft is set up in $DATA.
  First admin account:   $ADMIN
  Its password (shown only now, keep it safe):   $PASSWORD

MSG
fi

echo "==> serving https://localhost:$PORT (self-signed certificate: your browser will ask you to accept it)"
echo "    stop with Ctrl+C; data lives in $DATA"
exec ./build/weftd serve --data "$DATA" --port "$PORT" --bind "$BIND" --default-channels welcome
