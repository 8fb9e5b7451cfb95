# syntax=docker/dockerfile:1
# ScopeGate: multi-stage build. Stage 1 builds a release binary with the Swift stdlib
# linked statically; stage 2 is a slim Debian with only libcurl, CA certificates and curl
# (for the HEALTHCHECK).
#
#   docker build -t scopegate .
#
# The image ships no configuration: mount yours at /etc/scopegate/gateway.json (the default
# --config), with anything it names by a relative path (JWKS or HMAC files) beside it.
#
#   docker run --rm -p 8080:8080 -p 9901:9901 \
#     -v "$PWD/my-config:/etc/scopegate:ro" scopegate
#
# Without one, the gateway exits at once with its own error
# ("/etc/scopegate/gateway.json: 1 problem / $: cannot read file /etc/scopegate/gateway.json",
# exit status 2).
#
# The demo (the repository's gateway.json and the PUBLIC demo JWKS, never for real use) is an
# opt-in under /usr/share/scopegate/demo/, laid out as in the repository so that its relative
# `jwks.file` ("demo/keys/jwks.json") still resolves:
#
#   docker run --rm --network host scopegate \
#     serve --config /usr/share/scopegate/demo/gateway.json
#
# The default command binds both listeners on 0.0.0.0 whatever the config says: the public one
# (listen.port, 8080 by default) and the admin one (admin.port, 9901 by default: /livez, /readyz,
# /metrics). The HEALTHCHECK asks the admin listener's /livez on 9901: a config that moves or
# disables (`"admin": null`) the admin listener needs `--health-cmd` (or `--no-healthcheck`).

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
 && groupadd --system --gid 10001 scopegate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin scopegate \
 && mkdir -p /etc/scopegate
COPY --from=build /out/scopegate /usr/local/bin/scopegate
# The demo, opt-in only: gateway.json beside demo/keys/jwks.json (public keys only; the private
# demo keys stay in the repository).
COPY gateway.json /usr/share/scopegate/demo/gateway.json
COPY demo/keys/jwks.json /usr/share/scopegate/demo/demo/keys/jwks.json
# /etc/scopegate is left empty on purpose: the mount point for your config (a Kubernetes
# ConfigMap, a bind mount).
# Numeric, so that Kubernetes' runAsNonRoot can verify it without a runAsUser.
USER 10001:10001
EXPOSE 8080 9901
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9901/livez || exit 1
ENTRYPOINT ["scopegate"]
CMD ["serve", "--config", "/etc/scopegate/gateway.json", "--host", "0.0.0.0", "--admin-host", "0.0.0.0"]
