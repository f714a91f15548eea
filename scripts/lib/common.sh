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

# helm and kubeconform for the Helm chart's checks (tests/deploy/helm.test.ts, `npm run helm:check`):
# built from source with the Go toolchain into GOPATH/bin, at pinned versions, when missing there.
# A cold install (empty module and build caches) took 386 s on two cores (helm 375 s, kubeconform 11 s).
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
ensure_go_tools() {
  local bin
  bin="$(go env GOPATH)/bin"
  # `go version -m` reads the module version the binary was built from.
  if go version -m "$bin/helm" 2>/dev/null | grep -q "mod	helm.sh/helm/v3	$HELM_VERSION" &&
    go version -m "$bin/kubeconform" 2>/dev/null | grep -q "mod	github.com/yannh/kubeconform	$KUBECONFORM_VERSION"; then
    step "helm and kubeconform are installed"
    return 0
  fi
  step "installing helm $HELM_VERSION and kubeconform $KUBECONFORM_VERSION (go install)"
  go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" &&
    go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
}

generate_prisma_client() {
  step "generating the Prisma client"
  npx prisma generate >/dev/null
}
