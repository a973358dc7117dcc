# Needs BuildKit (RUN --mount), built into Docker since 23.0 and into 20.10's daemon. No
# "# syntax=" line: the builtin Dockerfile frontend is enough, and engines without an image
# registry cannot pull another.
#
# One image recipe for the three services. SERVICE names the service's folder under services/;
# the build context is the repository root:
#
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=user-api -t user-api .
#
# docker-compose.yml passes SERVICE through build.args.

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- manifests: what `npm install` reads, and nothing else ----------------------------------
# The install layers below depend only on this stage, so they are rebuilt when a manifest or
# the lockfile changes, not on every source edit. Add a line here for each new workspace.
FROM scratch AS manifests
COPY package.json package-lock.json /app/
COPY packages/kafka/package.json /app/packages/kafka/
COPY packages/observability/package.json /app/packages/observability/
COPY packages/runtime/package.json /app/packages/runtime/
COPY packages/testing/package.json /app/packages/testing/
COPY schemas/package.json /app/schemas/
COPY services/clickhouse-sink/package.json /app/services/clickhouse-sink/
COPY services/outbox-publisher/package.json /app/services/outbox-publisher/
COPY services/user-api/package.json /app/services/user-api/
COPY test/package.json /app/test/

# ---- build: all dependencies, then the service and the workspaces it depends on -------------
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=manifests /app ./
# `npm ci`: exactly the committed lockfile, which it never rewrites.
# --ignore-scripts: no dependency needs its install script (see allowScripts in package.json),
# and the npm bundled with the base image may predate allowScripts.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
# turbo.json and tsconfig.base.json come after the install: they do not affect it.
COPY turbo.json tsconfig.base.json ./
COPY packages packages
COPY schemas schemas
# Every service's sources, not only this one's: "<name>..." below builds the service and every
# workspace it depends on, dev dependencies included (the publisher's tests use the user API's).
COPY services services
# Declared only here: every RUN after an ARG depends on its value, so the layers above are
# shared by the three services' builds.
ARG SERVICE
RUN test -n "${SERVICE}" && test -f "services/${SERVICE}/package.json" || \
      { echo "build arg SERVICE must name a folder under services/ (got '${SERVICE}')" >&2; exit 1; }
# Dependencies first; only this service's output goes into the image.
RUN npx turbo run build --filter="@platform/${SERVICE}..." --output-logs=errors-only
# Gather the compiled output, keeping its paths: the workspace packages resolve through the
# node_modules/@platform/* symlinks to packages/*/dist.
RUN mkdir /out && for dir in packages/*/dist schemas/dist schemas/avro "services/${SERVICE}/dist"; do \
      if [ -e "$dir" ]; then cp -r --parents "$dir" /out/; fi; \
    done

# ---- runtime: production dependencies of this one service, and the compiled output ----------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=manifests /app ./
# Only the dependencies of this service's workspace (and of the workspaces it links), without
# dev dependencies; the chdb native library (~540 MB) thus lands in the sink's image only.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --workspace "services/${SERVICE}" --include-workspace-root=false \
      --ignore-scripts --no-audit --no-fund
COPY --from=build /out/ ./
# Files stay owned by root: the service can read its code but not change it. /data is the one
# writable place, for the sink's embedded ClickHouse engine when no server is configured
# (CLICKHOUSE_DATA_DIR=/data/..., with a volume on /data).
RUN install -d -o node -g node /data
USER node
WORKDIR /app/services/${SERVICE}
# The services drain on SIGTERM (see runService in packages/runtime); node runs as PID 1 and
# receives it directly. The preload registers the tracing instrumentations before main's imports
# load (ES modules cannot be patched later); it does nothing unless OTEL_EXPORTER_OTLP_* is set.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "@platform/observability/instrument", "dist/main.js"]
