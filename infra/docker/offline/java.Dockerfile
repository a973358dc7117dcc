# The Java runtime Kafka and the registry run on: Debian's OpenJDK 17 (and curl for health checks).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openjdk-17-jre-headless curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
