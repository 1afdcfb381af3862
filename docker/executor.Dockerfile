# The facilitator's executor as a container: `npm run facilitator -- start` on the project's own
# tree, for the docker-compose stack (docker-compose.yml, docs/graph-node.md). Build from the
# project root: docker compose build executor (or docker build -f docker/executor.Dockerfile .).
# Nothing secret goes into the image: .dockerignore keeps keystores, .env files and databases out,
# and the configuration, deployment file and keystore are mounted at /config when it runs.
FROM node:20-slim

WORKDIR /app

# Dependencies first, so that a change to the sources does not reinstall them. npm ci's postinstall
# generates the books' Prisma clients (npm run books:generate), which needs the Prisma schemas and
# the bookkeeping code.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY executor/bookkeeping ./executor/bookkeeping
RUN npm ci && npm cache clean --force

COPY . .

# /data holds the books (file:/data/facilitator.sqlite); a named volume mounted there starts with
# this ownership. The executor runs as the image's unprivileged `node` user (uid 1000), so a mounted
# keystore must be readable by uid 1000.
RUN mkdir -p /data /config && chown node:node /data
USER node

ENV NODE_ENV=production \
    NO_COLOR=1

# /health and /metrics listen on 127.0.0.1:9464 inside the container (loopback only, by design of
# executor/config.ts); the compose file's health check calls /health from inside.
# node itself, not npm: npm does not pass SIGTERM (docker stop) on to the program it runs, which
# would then be killed at the end of the grace period instead of finishing its in-flight sends.
CMD ["node", "--import", "tsx", "cli/facilitator.ts", "start", "--config", "/config/facilitator.json"]
