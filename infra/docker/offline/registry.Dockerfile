# Stands in for a Confluent-API schema registry: Apicurio Registry from Maven Central, as
# ./platform runs it; its Confluent API is under /apis/ccompat/v7. Configured through Quarkus's
# environment variables (QUARKUS_HTTP_PORT, APICURIO_STORAGE_KIND, ...).
ARG JAVA_IMAGE
FROM ${JAVA_IMAGE}
COPY apicurio/ /opt/apicurio/
COPY registry-entrypoint.sh /opt/apicurio/
ENTRYPOINT ["/opt/apicurio/registry-entrypoint.sh"]
