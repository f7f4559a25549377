# PushBack, one node: the server on SQLite, its data in the /data volume.
#
#   docker build -t pushback .
#   docker run -p 8080:8080 -v pushback-data:/data pushback
#
# The build stage runs the same two scripts CI runs (scripts/setup.mjs, and
# scripts/pack-server.mjs through apps/server/test/package/packed.test.ts), so what ends up in
# /opt/pushback is what the tests install and start. See docs/deploy.md.

FROM node:20.20-bookworm AS build
WORKDIR /src
COPY . .
# pnpm, the workspace's dependencies and a build (better-sqlite3 is compiled here, where the
# compilers are); then the packed server installed with npm into /opt/pushback, from that build
# and with that compiled better-sqlite3 (the flags save a second build and a second compile)
RUN node scripts/setup.mjs
RUN node scripts/pack-server.mjs /opt/pushback --no-build --reuse-native && rm -rf /opt/pushback/prebuilds

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    PUSHBACK_HOST=0.0.0.0 \
    PUSHBACK_PORT=8080 \
    PUSHBACK_DATABASE_URL=sqlite:/data/pushback.db
COPY --from=build /opt/pushback /opt/pushback
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
WORKDIR /data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PUSHBACK_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM (docker stop) closes every session with 1001 and exits
STOPSIGNAL SIGTERM
CMD ["/opt/pushback/node_modules/.bin/pushback", "serve"]
