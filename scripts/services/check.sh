#!/usr/bin/env bash
# Verifies that PostgreSQL and Redis answer where the configuration says they are.
set -euo pipefail

db_url="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/conveyor}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"

if pg_isready -q -d "$db_url" -t 10; then
  echo "[postgres] answering"
else
  echo "[postgres] ERROR: nothing answers for DATABASE_URL; start PostgreSQL (see README, Configuration)" >&2
  exit 1
fi

if [ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" = "PONG" ]; then
  echo "[redis] answering"
else
  echo "[redis] ERROR: nothing answers at REDIS_URL; start Redis (see README, Configuration)" >&2
  exit 1
fi
