#!/usr/bin/env bash
# PouchDB 9 replication of the sync bench's session documents between two Node processes on
# loopback (express-pouchdb with gzip, in-memory databases), bytes counted by a TCP relay:
# once with the personal data in plain text, once with what AMER carries (the sealed visitor
# record and the visitor's key record). Needs Node.js and npm; installs into a folder of its own.
#   bash sync/benches/pouchdb/run.sh [SESSIONS]     (default 10000)
#   POUCH_BATCH=2000 bash sync/benches/pouchdb/run.sh   (replication batch size, default 100)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps="${AMER_POUCHDB_DIR:-/tmp/amer-pouchdb-reference}"
mkdir -p "$deps"
if [ ! -d "$deps/node_modules/pouchdb-node" ]; then
    cp "$here/package.json" "$deps/"
    (cd "$deps" && npm install --no-audit --no-fund --loglevel=error)
fi
for documents in plain sealed; do
    NODE_PATH="$deps/node_modules" node "$here/replicate.js" "${1:-10000}" "$documents"
done
