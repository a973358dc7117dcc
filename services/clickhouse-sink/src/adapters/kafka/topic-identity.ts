import type { TopicIdReader } from '@platform/kafka';

/** Which topic the sink is reading: Kafka's id of the topic now bearing the configured name. */
export interface TopicIdentity {
  /** Undefined while no topic of that name exists (deleted, not yet re-created). */
  currentId(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createTopicIdentity(ids: TopicIdReader, topic: string): TopicIdentity {
  return {
    currentId: () => ids.read(topic),
    close: () => ids.close(),
  };
}
