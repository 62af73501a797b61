# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/config ./config
# The console's scripts and styles, served by Rotor itself from public/console.
COPY --from=build --chown=node:node /app/public ./public
# keys/ is where a KEK_FILE would live (compose passes KEK in the environment instead); .data/
# holds the audit anchor file (audit.anchorFile), which compose puts on a volume of its own.
RUN mkdir -p keys .data && chown node:node keys .data
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
