#!/usr/bin/env bash
# Provide a MongoDB wire-protocol server on 127.0.0.1:27017 for local runs and tests.
#
# Builds FerretDB 1.x from its Go module source (once, cached under the tools dir)
# and runs it detached on top of the local PostgreSQL ("ferretdb" database).
# Idempotent: a second run finds it up and does nothing. Stop it with mongo-stop.sh.
#
# Environment:
#   MONGO_URL            if set to anything but mongodb://127.0.0.1:27017/... or
#                        mongodb://localhost:27017/..., an external MongoDB is used: do nothing
#   CONVEYOR_TOOLS_DIR   binary, state, log and pid location (default ~/.cache/conveyor)
#   PGHOST / PGPORT / PGUSER   PostgreSQL used as FerretDB's storage (127.0.0.1 / 5432 / postgres)
#   FERRETDB_DEBUG_ADDR  FerretDB's HTTP debug/metrics listener ("-" = disabled, the default here)
set -euo pipefail

FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
MONGO_HOST="127.0.0.1"
MONGO_PORT="27017"
START_TIMEOUT_S=30

TOOLS_DIR="${CONVEYOR_TOOLS_DIR:-$HOME/.cache/conveyor}"
BIN="$TOOLS_DIR/bin/ferretdb-$FERRETDB_VERSION"
STATE_DIR="$TOOLS_DIR/ferretdb-state"
LOG_FILE="$TOOLS_DIR/ferretdb.log"
PID_FILE="$TOOLS_DIR/ferretdb.pid"
LOCK_FILE="$TOOLS_DIR/ferretdb.lock"

PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-postgres}"
PG_DB="ferretdb"
DEBUG_ADDR="${FERRETDB_DEBUG_ADDR:--}"

log() { echo "[mongo] $*"; }
die() { echo "[mongo] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# 1. External MongoDB?
# ---------------------------------------------------------------------------
# Returns 0 when the URL points at the local default server (127.0.0.1/localhost:27017).
is_local_default_url() {
  local url="$1" rest hostport
  case "$url" in
    mongodb://*) rest="${url#mongodb://}" ;;
    *) return 1 ;; # mongodb+srv:// or anything else is external
  esac
  hostport="${rest%%[/?]*}"  # authority part
  hostport="${hostport##*@}" # drop user:pass@
  case "$hostport" in
    127.0.0.1:27017 | localhost:27017 | 127.0.0.1 | localhost) return 0 ;;
    *) return 1 ;;
  esac
}

if [[ -n "${MONGO_URL:-}" ]] && ! is_local_default_url "$MONGO_URL"; then
  log "MONGO_URL points at an external MongoDB; not starting FerretDB"
  exit 0
fi

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
# TCP connect check using bash's /dev/tcp.
tcp_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Wire-protocol check without any client: send OP_MSG {ping: 1, $db: "admin"}
# (requestID 42), expect a reply with opCode 2013 (OP_MSG), responseTo 42 and {ok: 1.0}.
wire_ping() {
  local out
  # shellcheck disable=SC2016 # the inner script expands its own variables
  out="$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    # header: len=51 reqID=42 respTo=0 opCode=2013 | flags=0 | kind 0 | BSON (30 bytes)
    printf "\x33\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00" >&3
    printf "\x00\x00\x00\x00\x00" >&3
    printf "\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\x24db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    hdr="$(head -c 16 <&3 | od -An -v -tx1 | tr -d " \n")"
    [[ ${#hdr} -eq 32 ]] || exit 1
    len=$((16#${hdr:6:2}${hdr:4:2}${hdr:2:2}${hdr:0:2}))
    ((len > 16 && len < 1048576)) || exit 1
    # read the whole reply so that closing does not reset the connection
    body="$(head -c $((len - 16)) <&3 | od -An -v -tx1 | tr -d " \n")"
    echo "$hdr $body"
  ' _ "$1" "$2" 2>/dev/null)" || return 1
  # header bytes 8..11: responseTo=42, 12..15: opCode=2013; body has ok: 1.0 (double)
  [[ "${out:16:16}" == "2a000000dd070000" && "$out" == *016f6b00000000000000f03f* ]]
}

pid_is_ferretdb() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == *ferretdb* ]]
}

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    return 1
  fi
}

wait_until_up() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if wire_ping "$MONGO_HOST" "$MONGO_PORT"; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "FerretDB (pid $pid) exited during startup"
      return 1
    fi
    sleep 0.5
  done
  log "FerretDB did not answer on $MONGO_HOST:$MONGO_PORT within ${START_TIMEOUT_S}s"
  return 1
}

fail_with_log() {
  if [[ -f "$LOG_FILE" ]]; then
    echo "[mongo] ---- last lines of $LOG_FILE (this start) ----" >&2
    awk '/^==== .* starting /{n=0} {l[n++]=$0} END{for(i=(n>30?n-30:0);i<n;i++)print l[i]}' "$LOG_FILE" >&2 || true
    echo "[mongo] ----" >&2
  fi
  die "$1"
}

# ---------------------------------------------------------------------------
# 2. Already running?
# ---------------------------------------------------------------------------
mkdir -p "$TOOLS_DIR/bin" "$STATE_DIR"

# Serialize concurrent invocations (parallel test setups).
exec 9>"$LOCK_FILE"
if ! flock -w 600 9; then
  die "could not take lock $LOCK_FILE"
fi

if wire_ping "$MONGO_HOST" "$MONGO_PORT"; then
  log "FerretDB already running (wire protocol OK on $MONGO_HOST:$MONGO_PORT)"
  exit 0
fi
if tcp_open "$MONGO_HOST" "$MONGO_PORT"; then
  die "something listens on $MONGO_HOST:$MONGO_PORT but does not answer a MongoDB ping"
fi
log "nothing on $MONGO_HOST:$MONGO_PORT yet"

# A FerretDB of ours may still be starting up (or hung): do not start a second one.
if [[ -f "$PID_FILE" ]]; then
  old_pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if pid_is_ferretdb "$old_pid"; then
    log "FerretDB pid $old_pid is alive but not answering yet; waiting"
    wait_until_up "$old_pid" || fail_with_log "FerretDB pid $old_pid is not answering (stop it with scripts/services/mongo-stop.sh)"
    log "FerretDB is up on $MONGO_HOST:$MONGO_PORT (pid $old_pid)"
    exit 0
  fi
  log "removing stale pid file ($old_pid)"
  rm -f "$PID_FILE"
fi

# ---------------------------------------------------------------------------
# 3. Binary
# ---------------------------------------------------------------------------
if [[ -x "$BIN" ]]; then
  log "binary present: $BIN"
else
  log "binary missing: building FerretDB $FERRETDB_VERSION from Go module source"
  GO="$(find_go)" || die "Go toolchain not found (looked on PATH and in /usr/local/go/bin)"
  build_start=$SECONDS

  export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
  # run outside any module so a surrounding go.mod/go.work cannot interfere
  mod_json="$(cd / && GOWORK=off "$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")" \
    || die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed: $mod_json"
  mod_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$mod_json")"
  [[ -n "$mod_dir" && -d "$mod_dir" ]] || die "could not find module dir in: $mod_json"
  log "module source: $mod_dir"

  build_dir="$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")"
  tmp_bin="$BIN.tmp.$$"
  trap 'rm -rf "$build_dir" "$tmp_bin"' EXIT
  cp -R "$mod_dir" "$build_dir/src"
  chmod -R u+w "$build_dir/src"

  # FerretDB's build/version package panics without version.txt; package.txt is free-form.
  printf '%s\n' "$FERRETDB_VERSION" >"$build_dir/src/build/version/version.txt"
  printf '%s\n' "conveyor" >"$build_dir/src/build/version/package.txt"

  build_log="$TOOLS_DIR/ferretdb-build.log"
  log "go build (CGO_ENABLED=0, -trimpath; ~1-3 min when cold; output: $build_log)"
  if ! (cd "$build_dir/src" && "$GO" build -trimpath -ldflags='-s -w' -o "$tmp_bin" ./cmd/ferretdb) >"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2 || true
    die "go build failed (see $build_log)"
  fi

  version_out="$("$tmp_bin" --version)" || die "built binary does not run: $tmp_bin --version"
  grep -qx "version: $FERRETDB_VERSION" <<<"$version_out" \
    || die "unexpected --version output: $version_out"
  mv -f "$tmp_bin" "$BIN"
  rm -rf "$build_dir"
  trap - EXIT
  log "built $BIN in $((SECONDS - build_start))s ($(tr '\n' ' ' <<<"$version_out" | sed 's/ *$//'))"
fi

# ---------------------------------------------------------------------------
# 4. PostgreSQL database
# ---------------------------------------------------------------------------
command -v psql >/dev/null 2>&1 || die "psql not found (PostgreSQL client is needed)"
psql_q() {
  PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tA "$@"
}

pg_deadline=$((SECONDS + 15))
until psql_q -c 'SELECT 1' >/dev/null 2>&1; do
  ((SECONDS < pg_deadline)) || die "PostgreSQL not reachable at $PG_HOST:$PG_PORT as $PG_USER"
  sleep 1
done
log "PostgreSQL reachable at $PG_HOST:$PG_PORT"

if [[ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" == "1" ]]; then
  log "database $PG_DB exists"
else
  psql_q -c "CREATE DATABASE $PG_DB" >/dev/null || die "could not create database $PG_DB"
  log "created database $PG_DB"
fi

# ---------------------------------------------------------------------------
# 5. Start
# ---------------------------------------------------------------------------
log "starting FerretDB on $MONGO_HOST:$MONGO_PORT (log: $LOG_FILE)"
if [[ -f "$LOG_FILE" ]] && (($(stat -c %s "$LOG_FILE") > 10 * 1024 * 1024)); then
  mv -f "$LOG_FILE" "$LOG_FILE.1"
fi
echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting $BIN ====" >>"$LOG_FILE"

# setsid: own session, so it survives the calling shell and its process group.
# In a non-interactive script the background child is not a group leader, so setsid
# execs in place and $! is FerretDB's own pid.
setsid nohup "$BIN" \
  --handler=postgresql \
  --postgresql-url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB" \
  --listen-addr="$MONGO_HOST:$MONGO_PORT" \
  --state-dir="$STATE_DIR" \
  --debug-addr="$DEBUG_ADDR" \
  --telemetry=disable \
  --log-format=text \
  </dev/null >>"$LOG_FILE" 2>&1 9>&- &
pid=$!
echo "$pid" >"$PID_FILE"

if ! wait_until_up "$pid"; then
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  fail_with_log "FerretDB failed to start"
fi
log "FerretDB up on $MONGO_HOST:$MONGO_PORT (pid $pid)"
