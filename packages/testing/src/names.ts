import { randomUUID } from 'node:crypto';

/** Each spec uses names of its own (topics, groups, databases), so runs never see each other's data. */
export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
