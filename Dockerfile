# syntax=docker/dockerfile:1
# ONE image for every CPU function and worker. The function is chosen at run time by FUNCTION
# (FUNCTION=search → node dist/search/index.mjs): the bundles differ only in their entry file, so one image
# shares every layer, is scanned and signed once, and runs the same bytes under Knative, OpenFaaS and docker.
# The GPU inference pool has its own image (Dockerfile.gpu).
#
#   npm run build                      # dist/<fn>/index.mjs + dist/package.json (externals of all CPU bundles)
#   docker build -t <registry>/mediateca:<tag> .
#   docker run -e FUNCTION=search -p 8080:8080 <registry>/mediateca:<tag>
FROM node:20-bookworm-slim

# Debian's ffmpeg 5.1 (ffmpeg-static's install fails offline and @ffmpeg-installer's 2018 build is broken for
# HLS); tini reaps ffmpeg/ffprobe children and forwards SIGTERM to node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The packages the bundles leave external (sharp, PGlite, onnxruntime-node...), first: this layer only changes
# with their versions. onnxruntime-node runs search's CLIP text encoder on the CPU: its CUDA download is
# skipped, and its binaries for other systems (~220 MB) removed.
COPY dist/package.json ./package.json
RUN ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32
COPY dist/ ./dist/
# the workspace the web function serves (npm run build:web)
COPY web/dist/ ./web/dist/

ENV NODE_ENV=production \
    PORT=8080
# numeric, so Kubernetes' runAsNonRoot can verify it (uid 1000 is the image's "node" user)
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node dist/${FUNCTION:?set FUNCTION to the function to run, e.g. FUNCTION=search}/index.mjs"]
