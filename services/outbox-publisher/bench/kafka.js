// What the publisher's benchmarks do on Kafka besides relaying: fresh topics, and counting what
// reached one.

/** A topic of 6 partitions, as the benchmarks use, ready when this resolves. */
export async function createTopic(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Counts the messages on a topic (high - low watermark, over its partitions) through one admin. */
export async function topicCounter(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  return {
    async count() {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
    },
    close: () => admin.disconnect(),
  };
}
