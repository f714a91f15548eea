# Shared by scripts/test.sh and scripts/start.sh: each step says what it does.
# shellcheck shell=bash
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/conveyor}"

step() { printf '\n▶ %s\n' "$*"; }

# Installs dependencies when node_modules is missing or older than the lockfile.
ensure_dependencies() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  else
    step "dependencies are installed"
  fi
}

# PostgreSQL and Redis are expected to run already; MongoDB's wire server is ours to start.
ensure_services() {
  step "checking services"
  bash scripts/services/check.sh
  bash scripts/services/mongo.sh
}

# The browser tests drive Debian's Chromium (playwright-core downloads no browser of its own).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    step "chromium is installed"
    return 0
  fi
  step "installing chromium (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

generate_prisma_client() {
  step "generating the Prisma client"
  npx prisma generate >/dev/null
}
