#!/usr/bin/env bash
# Stop the FerretDB started by scripts/services/mongo.sh (via its pid file). Idempotent.
set -euo pipefail

TOOLS_DIR="${CONVEYOR_TOOLS_DIR:-$HOME/.cache/conveyor}"
PID_FILE="$TOOLS_DIR/ferretdb.pid"

log() { echo "[mongo] $*"; }

if [[ ! -f "$PID_FILE" ]]; then
  log "FerretDB not running (no pid file $PID_FILE)"
  exit 0
fi

pid="$(cat "$PID_FILE" 2>/dev/null || true)"
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "FerretDB not running (stale pid file: ${pid:-empty}); removing it"
  rm -f "$PID_FILE"
  exit 0
fi

# Never signal an unrelated process that reused the pid.
if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" != *ferretdb* ]]; then
  log "pid $pid is not FerretDB; removing stale pid file"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping FerretDB (pid $pid)"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
  log "still running after 10s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
fi
rm -f "$PID_FILE"
log "FerretDB stopped"
