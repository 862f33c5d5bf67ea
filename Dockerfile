# One image for every streamlr role: `docker run streamlr:local trainer|scorer|produce ...`
# (docker-compose.yml builds it as streamlr:local). The repository's own build, then only the
# runtime dependencies.
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY . .
# --ignore-scripts: the `prepare` build runs below, once, for what the image needs.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && node node_modules/typescript/bin/tsc -b services/cli \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20.18.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
ENTRYPOINT ["node", "services/cli/bin/streamlr.js"]
CMD ["--help"]
