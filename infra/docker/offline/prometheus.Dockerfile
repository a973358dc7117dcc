# Stands in for prom/prometheus: the server built from the Go module proxy at the image's version
# (infra/local/promtool). Without the prebuilt web assets its UI pages are missing; the HTTP API,
# scraping and the rules work.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY prometheus /bin/prometheus
RUN mkdir -p /prometheus /etc/prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
