# source-tiktok-ads: the Airbyte source connector image.
#   ../shared/tools/container build -t source-tiktok-ads:dev .     (or `docker build`, same arguments)
# The labels below must stay equal to metadata.yaml's dockerRepository / dockerImageTag:
# scripts/container-test.sh fails when they drift.

############################ build ############################
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src

# Dependencies first, against stub sources, so that a change to the connector's code reuses this
# layer and only recompiles the connector itself. Every workspace member's manifest must be present
# for cargo to load the workspace, and every target a manifest names by path must exist. The stub
# build of the workspace's own crates is then forgotten: a copied source file can carry an older
# mtime than the stub's output, and cargo would keep the stub.
COPY Cargo.toml Cargo.lock ./
COPY emulator/Cargo.toml emulator/Cargo.toml
RUN set -eu; \
    : > /tmp/stubs; \
    for dir in . emulator; do \
      for p in src/main.rs src/lib.rs \
               $(sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*"\([^"]*\.rs\)".*/\1/p' "$dir/Cargo.toml"); do \
        [ -f "$dir/$p" ] && continue; \
        mkdir -p "$dir/$(dirname "$p")"; \
        case "$p" in */lib.rs) : ;; *) echo 'fn main() {}' ;; esac > "$dir/$p"; \
        echo "$dir/$p" >> /tmp/stubs; \
      done; \
    done; \
    cargo build --release --locked -p source-tiktok-ads; \
    xargs rm -f < /tmp/stubs; \
    rm -rf target/release/.fingerprint/source-tiktok-ads-* target/release/.fingerprint/tiktok-emulator-* \
           target/release/deps/source_tiktok_ads-* target/release/deps/libsource_tiktok_ads-* \
           target/release/source-tiktok-ads

COPY . .
RUN set -eu; \
    find src emulator/src -name '*.rs' -exec touch {} +; \
    cargo build --release --locked -p source-tiktok-ads; \
    install -D -m 0755 target/release/source-tiktok-ads /out/source-tiktok-ads

############################ runtime ############################
# Not scratch or distroless: Airbyte starts the connector through `sh -c` with `eval`, `mv` and `sleep`.
FROM debian:bookworm-slim
# The apt caches are removed explicitly: the official image does it through its apt config, a
# locally made debian:bookworm-slim may not, and they would add ~80 MB to this layer.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    groupadd --gid 1000 airbyte; \
    useradd --uid 1000 --gid 1000 --home-dir /airbyte --no-create-home --shell /bin/sh airbyte; \
    mkdir -p /airbyte; \
    chown -R airbyte:airbyte /airbyte

COPY --from=build --chown=airbyte:airbyte /out/source-tiktok-ads /airbyte/source-tiktok-ads

LABEL io.airbyte.name="tiktok-ads/source-tiktok-ads" \
      io.airbyte.version="0.1.0"

# Kubernetes bypasses ENTRYPOINT and evals AIRBYTE_ENTRYPOINT from /config or /source, so it must be
# the same absolute path, without spaces.
ENV AIRBYTE_ENTRYPOINT="/airbyte/source-tiktok-ads"
ENTRYPOINT ["/airbyte/source-tiktok-ads"]
WORKDIR /airbyte
USER airbyte
