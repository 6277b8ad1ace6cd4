# The headless gateway in a container, on the official Node.js image (docs/running.md#docker).
#
#   docker build -t responses-studio .
#   docker run --init -p 8080:8080 -v rs-data:/data responses-studio --backend http://vllm:8000 \
#     --api-key "$KEY" --allowed-host gateway.example.com
#
# Build stage: compile the gateway, pack it exactly as `npm pack` does, and install that package
# with production dependencies only (better-sqlite3 builds from source here, hence the compilers).
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md ./
COPY scripts/build-gateway.mjs scripts/
COPY bin bin
COPY src-server src-server
COPY docs docs
RUN npm pack --pack-destination /tmp \
 && mkdir /app && cd /app \
 && echo '{"name":"gateway","private":true,"allowScripts":{"better-sqlite3":true}}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/responses-studio-*.tgz

# Runtime stage: the installed package and Node, no compilers, no sources, an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
COPY --from=build /app /app
RUN mkdir /data && chown node:node /data
USER node
WORKDIR /app
VOLUME /data
EXPOSE 8080
# The gateway is PID 1's child under --init (or PID 1 itself): it handles SIGTERM and closes cleanly.
ENTRYPOINT ["node", "/app/node_modules/responses-studio/bin/responses-studio.js", "gateway"]
CMD ["--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data", "--backend", "simulator"]
