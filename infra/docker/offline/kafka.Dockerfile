# Stands in for apache/kafka: Kafka's jars from Maven Central (as ./platform runs them) under
# /opt/kafka, configured from KAFKA_* variables the way the official image reads them.
ARG JAVA_IMAGE
FROM ${JAVA_IMAGE}
COPY libs/ /opt/kafka/libs/
COPY kafka-tools-*.jar /opt/kafka/libs/
COPY log4j2.properties /opt/kafka/config/
COPY kafka-entrypoint.sh /opt/kafka/bin/
RUN for tool in kafka-broker-api-versions:org.apache.kafka.tools.BrokerApiVersionsCommand \
      kafka-topics:org.apache.kafka.tools.TopicCommand kafka-storage:kafka.tools.StorageTool; do \
      printf '#!/bin/sh\nexec java -cp "/opt/kafka/libs/*" -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties %s "$@"\n' \
        "${tool#*:}" >"/opt/kafka/bin/${tool%%:*}.sh"; \
      chmod +x "/opt/kafka/bin/${tool%%:*}.sh"; \
    done
ENTRYPOINT ["/opt/kafka/bin/kafka-entrypoint.sh"]
