# The Probot server (src/index.ts) as a container: `/train` comments arrive as webhooks on port 3000 and the
# bot runs Jobs in the cluster as the pod's ServiceAccount. Deployed by infrastructure/bot.tf; how to build,
# push and run it: docs/infrastructure.md. Two stages: the first compiles with the dev dependencies, the
# second holds only dist/, the production node_modules and package.json (it says "type": "module").
FROM node:24.21.0-bookworm-slim AS build
# npm would otherwise ask the registry for its own newer version on every build.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: none of the dependencies needs one (npm 11 runs them only when approved anyway).
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM node:24.21.0-bookworm-slim
# checkov:skip=CKV_DOCKER_2:Kubernetes ignores HEALTHCHECK and OCI images cannot carry one; the Deployment's readiness probe asks GET /ping (infrastructure/bot.tf).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# A numeric user with no entry in /etc/passwd: nothing here reads it, and runAsNonRoot can check a number.
# The files stay root's, so the process cannot change its own code; it writes nothing to disk.
USER 10001:10001
EXPOSE 3000
# node itself, not `npm start`: npm as PID 1 forwards no SIGTERM and wants a writable cache directory.
# dist/server.js is `probot run` plus a SIGTERM handler (src/server.ts).
ENTRYPOINT ["node", "dist/server.js"]
