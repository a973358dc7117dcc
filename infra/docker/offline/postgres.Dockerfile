# Stands in for the official postgres image: Debian's PostgreSQL, with an entrypoint that reads
# the same POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / PGDATA variables on the first start.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# No "main" cluster: the entrypoint initialises PGDATA itself.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main-cluster.conf \
    && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/lib/postgresql/*/bin /usr/lib/postgresql/bin
ENV PATH=/usr/lib/postgresql/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["postgres-entrypoint.sh"]
# Fast shutdown, as the official image: SIGTERM would wait for every client to disconnect.
STOPSIGNAL SIGINT
