# syntax=docker/dockerfile:1
# passthru's container image: `docker build -t passthru:0.1.0 .` (docs/install.md).
#
# The official Node 24 image on Debian bookworm slim, pinned by exact version and by the digest
# of its multi-architecture index, so a rebuild gets the same bytes. To move it, pass
# --build-arg NODE_IMAGE=node:24.x.y-bookworm-slim@sha256:<digest from `docker buildx imagetools inspect`>.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:2fe369e969550cde8e867afc3fe370b260140cab4a23d467074295b42163d553

# Stage 1: production dependencies only. --omit=dev leaves out the test and lint tooling (and the
# `node` devDependency, which only gives npm scripts a Node on developer machines); no install
# scripts run, none of our runtime dependencies needs one.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# Stage 2: the runtime. Node runs the TypeScript sources directly (type stripping), so there is
# no build step; everything here is owned by root and only readable by the process.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY cmd ./cmd
COPY src ./src
# A numeric user, so the kubelet can verify runAsNonRoot without a passwd entry. The process
# writes nothing outside /tmp: the chart runs it with a read-only root filesystem.
USER 10001:10001
# 8080 traffic, 9090 admin (health, readiness, metrics, status page).
EXPOSE 8080 9090
ENTRYPOINT ["node", "cmd/passthru.ts"]
CMD ["controller"]
