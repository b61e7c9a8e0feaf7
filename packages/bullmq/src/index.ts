export type { BullMQConnection } from './connections.js';
export { type BullMQInbox, type BullMQInboxOptions, createBullMQInbox } from './create-bullmq-inbox.js';
