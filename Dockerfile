# syntax=docker/dockerfile:1
#
# One image for every Conveyor process: api, worker, board and the one-shot migrate job.
# docker-compose.yml picks the process per service with `working_dir` + `command`; the default
# below starts the api. Apps run their TypeScript directly with tsx (there is no build step),
# exactly as `npm start -w <app>` does on a development machine.
#
#   docker build -t conveyor .
#   docker run --rm --env-file .env -w /app/apps/worker conveyor tsx src/main.ts

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# ---------------------------------------------------------------------------------------------
# The workspace manifests alone. This stage reruns on any source change, but its output only
# changes with a package.json or the lockfile, so the `npm ci` layers below stay cached.
FROM base AS manifests
COPY . /src
RUN mkdir -p /out \
 && cd /src \
 && cp package.json package-lock.json /out/ \
 && find apps packages -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /out/ \;

# ---------------------------------------------------------------------------------------------
# Every dependency (dev included: the Prisma CLI) and the generated Prisma client.
# Install scripts are skipped, as on the development machines (npm 11 does not run them by
# default): nothing needs them, and @prisma/engines' postinstall would try to download Rust
# engines that Conveyor does not use (Rust-free client, DESIGN.md "Prisma on the development
# machines").
FROM base AS build
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY . .
# `prisma generate` reads prisma.config.ts and needs DATABASE_URL to hold any PostgreSQL URL; it
# never connects. The client lands in packages/db/src/generated (git- and docker-ignored).
RUN DATABASE_URL=postgresql://build:build@localhost:5432/build npx prisma generate

# ---------------------------------------------------------------------------------------------
# Production dependencies only: no test runner, linters or Prisma CLI in the final image.
FROM base AS prod-deps
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production
# tsx runs the apps but is a root devDependency, so it is installed globally at the version the
# lockfile pins. It relays SIGTERM to the app, which is why compose runs `tsx src/main.ts`
# directly instead of `npm start` (npm's `sh -c` does not pass the signal on).
RUN --mount=type=bind,source=package-lock.json,target=/tmp/package-lock.json \
    --mount=type=cache,target=/root/.npm \
    npm install --global --ignore-scripts \
      "tsx@$(node -p "require('/tmp/package-lock.json').packages['node_modules/tsx'].version")" \
 && tsx --version
COPY --from=prod-deps /app/ ./
COPY . .
COPY --from=build /app/packages/db/src/generated/ ./packages/db/src/generated/
# Files stay root-owned (read-only to the app); the processes run as the image's unprivileged user.
USER node
EXPOSE 3000 3001 3002
CMD ["tsx", "apps/api/src/main.ts"]
