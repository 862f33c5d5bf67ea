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
# Transparent huge pages for the weight table (a glibc >= 2.35 malloc tunable; the kernel's usual
# THP mode "madvise" is enough): the default 2^20-slot table is 64 MiB, and with 4 KiB pages
# almost every feature of a wide sample costs a TLB miss. Measured +20-28% in-loop samples/s on
# 40-feature samples (README, "Performance tuning"); a sparsely used table becomes fully
# resident (+20-40 MB RSS at 2^20). Set GLIBC_TUNABLES= (empty) to turn it off.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
# A 64 MiB young generation (Node's default semi-space is 16 MiB): kafkajs leaves every fetched
# batch (~1 MiB of messages) as short-lived garbage, and with the default the trainer spent ~18%
# of its CPU in scavenges. Measured with bench/pipeline (500k messages, 2 runs each): trainer
# 4.06-4.18 -> 3.14-3.34 CPU us/message, 291-305k -> 354-372k samples/s; peak RSS +30-40 MB.
ENV NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
ENTRYPOINT ["node", "services/cli/bin/streamlr.js"]
CMD ["--help"]
