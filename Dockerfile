# syntax=docker/dockerfile:1
#
# One image for every Conveyor process: api, worker, board, console and the one-shot migrate job.
# docker-compose.yml picks the process per service with `working_dir` + `command`; the default
# below starts the api. The build stage compiles every app with `npm run build` (esbuild: the
# workspace packages bundled in, npm packages left to node_modules), and the runtime image runs the
# JavaScript with plain node, exactly as `npm start -w <app>` does: no tsx, no TypeScript at run time.
#
#   docker build -t conveyor .
#   docker run --rm --env-file .env -w /app/apps/worker conveyor node --enable-source-maps dist/main.js

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
# Every dependency (dev included: the Prisma CLI, tsx and esbuild), the generated Prisma client and
# the build: apps/<app>/dist/ and dist/migrate.js (the migrate job), each with its source map.
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
RUN npm run build

# ---------------------------------------------------------------------------------------------
# Production dependencies only: no test runner, linters or Prisma CLI in the final image.
FROM base AS prod-deps
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production
COPY --from=prod-deps /app/ ./
COPY . .
# The bundles hold the workspace packages and the generated Prisma client; npm packages (the
# Prisma runtime and its query compiler among them) load from the production node_modules above.
# The migrate job reads prisma/migrations (part of `COPY . .`) relative to dist/migrate.js.
COPY --from=build /app/dist/ ./dist/
COPY --from=build /app/apps/api/dist/ ./apps/api/dist/
COPY --from=build /app/apps/worker/dist/ ./apps/worker/dist/
COPY --from=build /app/apps/board/dist/ ./apps/board/dist/
COPY --from=build /app/apps/console/dist/ ./apps/console/dist/
COPY --from=build /app/apps/cli/dist/ ./apps/cli/dist/
# Files stay root-owned (read-only to the app); the processes run as the image's unprivileged user.
# node runs as the container's main process (under compose's `init: true`), so SIGTERM reaches the
# app itself; npm's `sh -c` would not pass it on, which is why compose runs node, not `npm start`.
USER node
EXPOSE 3000 3001 3002 3003
CMD ["node", "--enable-source-maps", "apps/api/dist/main.js"]
