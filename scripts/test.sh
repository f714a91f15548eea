#!/usr/bin/env bash
# `npm test`: everything from a fresh clone — dependencies, services, the Prisma client, lint,
# typecheck and the whole suite. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

ensure_dependencies || exit 1
ensure_services || exit 1
ensure_chromium || exit 1
ensure_go_tools || exit 1
generate_prisma_client || exit 1

status=0
step "lint (biome + import cycles)"
npm run --silent lint || status=1
step "typecheck"
npm run --silent typecheck || status=1

step "tests"
rm -f test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=1

node scripts/test-summary.mjs test-results/vitest.json
exit "$status"
