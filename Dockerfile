# syntax=docker/dockerfile:1

# ---- build stage --------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /app

# Build the dependencies alone first, against placeholder sources, so this
# layer stays cached until Cargo.toml, Cargo.lock or build.rs changes.
# build.rs fingerprints migrations/ into PERFUSION_MIGRATIONS_FINGERPRINT,
# which src/db.rs reads with env!(), so it is required.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# Now the real sources. migrations/ is embedded at compile time by
# diesel's embed_migrations!("migrations"), so it must be here too.
COPY src ./src
COPY migrations ./migrations
# COPY keeps the files' original mtimes, which can be older than the
# placeholder build above; touch them so cargo reruns build.rs and
# rebuilds this crate.
RUN touch build.rs src/main.rs src/lib.rs \
    && cargo build --release --locked

# ---- runtime stage ------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-log-init \
        --create-home --home-dir /home/app --shell /usr/sbin/nologin app

COPY --from=build /app/target/release/perfusion-api /usr/local/bin/perfusion-api

ENV APP_ENV=production \
    BIND_ADDR=0.0.0.0:8080

WORKDIR /home/app
EXPOSE 8080
USER app

# The binary checks itself (the slim image has no curl): exit 0 when
# /health/ready answers 200, i.e. the database is reachable and migrated.
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
    CMD ["perfusion-api", "healthcheck"]
ENTRYPOINT ["perfusion-api"]
