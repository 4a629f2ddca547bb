# The demo MQTT broker with its Health API.
# Build:  docker build -t mqtt-health-broker .
# Run:    docker run -p 1883:1883 -p 8889:8889 mqtt-health-broker

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/health/package.json libs/health/package.json
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY libs/health libs/health
COPY apps/broker apps/broker
RUN npx tsc -b tsconfig.build.json

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HEALTH_BIND=0.0.0.0 \
    HEALTH_PORT=8889 \
    HEALTH_AGENT_PORT=8890 \
    MQTT_PORT=1883 \
    DATA_DIR=/data \
    DRAIN_MS=5000
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/health/package.json libs/health/package.json
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/libs/health/dist libs/health/dist
COPY --from=build /app/libs/health/entry libs/health/entry
COPY --from=build /app/apps/broker/dist apps/broker/dist
COPY apps/broker/extensions apps/broker/extensions
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 1883 8889 8890
# The probe command ships with the library: no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "libs/health/dist/cli/main.js", "probe", "http://127.0.0.1:8889/api/v1/health/liveness"]
CMD ["node", "apps/broker/dist/main.js"]
