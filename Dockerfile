# syntax=docker/dockerfile:1
#
# skillsync as a container image: `docker build -t skillsync .` from the repository root.
# Configuration is environment only (SKILLSYNC__SECTION__KEY, see docs/operations.md); a file can
# be mounted and named with SKILLSYNC_CONFIG or `--config`.
#
# Stages:
#   chef     the Rust toolchain plus cargo-chef, shared by the next two
#   planner  reduces the sources to a dependency "recipe" (changes only with Cargo.toml/Cargo.lock)
#   builder  compiles the dependencies from the recipe (the cached layer), then skillsync itself
#   runtime  Debian slim with the binary, curl for HEALTHCHECK and a non-root user
#
# cargo-chef rather than a hand-made dummy main.rs: Cargo.toml declares a library, a binary, an
# integration test with its own path and three benches, and cargo refuses a manifest whose declared
# targets have no file. A dummy layer would have to recreate each one and break whenever a bench is
# added; cargo-chef derives that skeleton from the manifest.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS chef
# Pinned so that a new cargo-chef release cannot change the dependency layer under us.
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# Rebuilt only when the recipe changes, i.e. when dependencies change, not on every source edit.
RUN cargo chef cook --release --locked --bin skillsync --recipe-path recipe.json
COPY . .
# The release profile keeps line tables for readable panics; compressing them (rather than
# stripping) keeps file:line in backtraces and cuts the binary from about 100 MB to 40 MB.
RUN cargo build --release --locked --bin skillsync \
    && objcopy --compress-debug-sections=zlib target/release/skillsync /usr/local/bin/skillsync

# The builder's Debian release: the binary links against its glibc (and nothing else but libgcc:
# TLS is rustls, with Mozilla's root certificates compiled in).
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# Debian slim rather than distroless: HEALTHCHECK needs an HTTP client in the image, and curl is
# one apt package here; on distroless it would have to be a separately built static binary.
# ca-certificates serves curl and anything an operator runs inside the container; skillsync itself
# does not read the system store (see above), so a private CA cannot be added this way.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 skillsync \
    && useradd --system --uid 10001 --gid skillsync --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin skillsync

COPY --from=builder /usr/local/bin/skillsync /usr/local/bin/skillsync

# The defaults listen on loopback, which nothing outside the container can reach. Plain log lines
# become JSON objects for log shippers; override with SKILLSYNC__LOG__FORMAT=plain.
ENV SKILLSYNC__SERVER__LISTEN=0.0.0.0:8080 \
    SKILLSYNC__SERVER__METRICS_LISTEN=0.0.0.0:9090 \
    SKILLSYNC__LOG__FORMAT=json

# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080 9090

# Liveness only: /readyz also needs the database and the platform login, and a container that is
# restarted for a database outage does not bring the database back. The port follows
# SKILLSYNC__SERVER__METRICS_LISTEN: that listener has its own connections, so a flood of API
# clients does not make the container look dead. Kubernetes ignores HEALTHCHECK and uses the
# Deployment's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null --max-time 4 \"http://127.0.0.1:${SKILLSYNC__SERVER__METRICS_LISTEN##*:}/healthz\" || exit 1"]

ENTRYPOINT ["skillsync"]
CMD ["serve"]
