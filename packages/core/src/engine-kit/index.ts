// What every inbox engine shares, written once: engines keep only their mechanics.
export { ATTEMPT_CEILING } from './ceiling.js';
export { untilDeadline } from './deadline.js';
export { DEFAULT_LIST_LIMIT, listLimit, matchesFilter, matchesRedrive, selectEntries } from './filters.js';
export { checkOrderBy } from './order-by.js';
export { replayDelivery } from './replay.js';
export {
  createReceiverSlot,
  DEFAULT_RETENTION_MS,
  type InboxReceiverSettings,
  retentionFor,
} from './retention.js';
export { UNEXPECTED_RETRY_MS, unexpectedFailure } from './unexpected.js';
