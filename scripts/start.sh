#!/usr/bin/env bash
# `npm start`: everything from a fresh clone — dependencies, services, migrations, demo data, the
# production build — then the api, a worker, Bull Board and the console from it
# (`node apps/<app>/dist/main.js`, as in the Docker image), and one demo run. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

ensure_dependencies
ensure_services
generate_prisma_client
step "migrating the database"
npm run --silent db:migrate
step "seeding the core app and the demo workflow"
npm run --silent db:seed
step "building the apps (npm run build)"
npm run --silent build

export LOG_LEVEL="${LOG_LEVEL:-info}"
export RECONCILER_STALE_AFTER_MS="${RECONCILER_STALE_AFTER_MS:-2000}"
api_port="${API_PORT:-3000}"; worker_port="${WORKER_HEALTH_PORT:-3001}"; board_port="${BOARD_PORT:-3002}"
console_port="${CONSOLE_PORT:-3003}"
# The console relays /v1 to the api from this machine: the api believes its X-Forwarded-For.
export API_TRUST_PROXY="${API_TRUST_PROXY:-127.0.0.1}"
export CONSOLE_API_URL="${CONSOLE_API_URL:-http://127.0.0.1:$api_port}"

step "starting api (:$api_port), worker (:$worker_port), Bull Board (:$board_port) and the console (:$console_port)"
pids=()
for app in api worker board console; do
  node --enable-source-maps "apps/$app/dist/main.js" &
  pids+=("$!")
done
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

wait_ready() {
  for _ in $(seq 1 150); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "not ready: $1" >&2
  return 1
}
wait_ready "http://127.0.0.1:$api_port/readyz"
wait_ready "http://127.0.0.1:$worker_port/readyz"
wait_ready "http://127.0.0.1:$board_port/healthz"
wait_ready "http://127.0.0.1:$console_port/healthz"

step "one demo run"
npx tsx scripts/demo-run.ts || true

# A development token of the demo member, in the link's fragment (never sent to a server).
token="$(npm run --silent dev:token 2>/dev/null)"

cat <<MSG

Conveyor is running. Open the console (signed in as the demo member, for 12 hours):
  http://127.0.0.1:$console_port/sign-in#token=$token
Watch the queues in Bull Board: http://127.0.0.1:$board_port
  (user ${BOARD_USERNAME:-admin}, password ${BOARD_PASSWORD:-dev-only-board-password})
Start another demo run: npx tsx scripts/demo-run.ts      Stop: Ctrl-C
MSG
wait
