# syntax=docker/dockerfile:1
# ScopeGate: multi-stage build. Stage 1 builds a release binary with the Swift stdlib
# linked statically; stage 2 is a slim Debian with only libcurl and CA certificates.
#
#   docker build -t scopegate .
#   docker run --rm -p 8080:8080 -v $PWD/my-gateway.json:/etc/scopegate/gateway.json:ro scopegate
#
# The image's default config is the demo gateway.json (its backends are on the host's
# loopback, so mount your own config for real use). The container listens on 0.0.0.0:8080.

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product scopegate --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/scopegate" /out/scopegate \
 && strip /out/scopegate

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcurl4 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin scopegate
COPY --from=build /out/scopegate /usr/local/bin/scopegate
COPY gateway.json /etc/scopegate/gateway.json
COPY demo/keys/jwks.json /etc/scopegate/demo/keys/jwks.json
USER scopegate
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["scopegate", "serve", "--config", "/etc/scopegate/gateway.json", "--host", "0.0.0.0"]
