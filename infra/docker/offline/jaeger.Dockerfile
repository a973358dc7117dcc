# Stands in for jaegertracing/jaeger (v2, all-in-one, in memory): the same program built from
# the Go module proxy (infra/local/jaeger). Its UI assets are a placeholder in such a build; the
# query API (/api/traces) is complete.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY jaeger /usr/local/bin/jaeger
USER nobody
ENTRYPOINT ["/usr/local/bin/jaeger"]
