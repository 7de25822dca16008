# syntax=docker/dockerfile:1
# Build: compile TypeScript and bundle the Datadog client, then keep only runtime dependencies.
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Runtime: Node and the built app only, as the unprivileged `node` user, state on a volume.
FROM node:20-alpine
ENV NODE_ENV=production \
    XDG_STATE_HOME=/var/lib
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /var/lib/segment-datadog-exporter && chown node:node /var/lib/segment-datadog-exporter
USER node
# The checkpoint lives here (/var/lib/segment-datadog-exporter/state.json): mount a volume.
VOLUME ["/var/lib/segment-datadog-exporter"]
ENTRYPOINT ["node", "/app/bin/segment-datadog-exporter"]
CMD ["export", "--max-duration", "4m"]
