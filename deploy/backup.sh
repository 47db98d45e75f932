#!/usr/bin/env bash
# Consistent online backup of a running (or stopped) Weft data directory,
# through SQLite's backup API; never copy weft.db of a live server by hand.
# The bytes of uploaded files go with each copy, into FILE.files/ beside it
# (weftd backup holds the server's removals back while it copies).
# usage: deploy/backup.sh [DATA_DIR] [BACKUP_DIR]   (keeps the newest 14)
set -euo pipefail
DATA="${1:-./data}"
DEST="${2:-./backups}"
WEFTD="${WEFTD:-$(dirname "$0")/../build/weftd}"
mkdir -p "$DEST"
FILE="$DEST/weft-$(date -u +%Y%m%dT%H%M%SZ).db"
"$WEFTD" backup "$FILE" --data "$DATA"
for old in $(ls -1t "$DEST"/weft-*.db | tail -n +15); do
  rm -rf -- "$old" "$old.files"
done
