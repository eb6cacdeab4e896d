# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript and generate the Prisma client in a build stage, ship only
# production dependencies and compiled JavaScript, run as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
# npm ci fails when the lock drifts; the postinstall generates the Prisma client (needs prisma/).
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
# The prisma-client generator needs no native engine (driver adapters); see OFFLINE notes in the README.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HTTP_PORT=8080 DECKHAND_CONFIG=/etc/deckhand/deckhand.yaml
# Charts are drawn in the process (Skia): the slim image has no font for their titles and axis labels.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --chown=node:node package.json ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), which shuts down gracefully.
CMD ["node", "--enable-source-maps", "dist/app/main.js"]
