export type { RawBody } from './bytes.js';
export type { InboxReceiverSettings } from './engine-kit/retention.js';
export {
  ERROR_STATUS,
  ERRORS,
  isWebhookError,
  WebhookError,
  type WebhookErrorCode,
  type WebhookErrorOptions,
} from './errors.js';
export {
  type CatalogEventName,
  type CatalogRow,
  EVENT_CATALOG,
  EVENT_NAMES,
  type EventDataMap,
  type EventName,
  isCatalogEventName,
  LEGACY_EVENT_NAMES,
  type LegacyEventName,
} from './events/catalog.js';
export type * from './events/event-types.js';
export {
  type Envelope,
  type EvalCompletedData,
  envelopeSchema,
  evalCompletedDataSchema,
  parseEventTimestamp,
  type ScoreChangedData,
  scoreChangedDataSchema,
  type UnknownData,
  unknownDataSchema,
} from './events/schemas.js';
export type { StandardSchemaV1 } from './events/standard-schema.js';
export { outcomeOf, type WebhookOutcome } from './exchange/outcome.js';
export type { ErrorBody, ResultMeta, SuccessBody, WebhookResult } from './exchange/result.js';
export type {
  FreshnessBegin,
  FreshnessCapability,
  FreshnessClaim,
  FreshnessInfo,
  FreshnessMark,
  FreshnessOptions,
  InboxFreshness,
} from './freshness/types.js';
export type { HeadersInput } from './headers.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './idempotency/memory-store.js';
export type { Claim, IdempotencyStore } from './idempotency/store.js';
export { createMemoryInbox, type MemoryInbox, type MemoryInboxOptions } from './inbox/memory-inbox.js';
export type {
  BlockedKey,
  ConsumeOptions,
  Inbox,
  InboxConsumer,
  InboxEntry,
  InboxFailure,
  InboxFilter,
  InboxJob,
  InboxOutcome,
  InboxState,
  InboxStats,
  OrderBy,
  ProcessJob,
  RedriveFilter,
  StoredDelivery,
} from './inbox/types.js';
export { createInboxWorker, type InboxWorker, type InboxWorkerOptions } from './inbox/worker.js';
export type { MaybePromise } from './maybe-promise.js';
export type { WebhookLogger } from './observe/logger.js';
export { observe } from './observe/observe.js';
export type {
  AnsweredObservation,
  AttemptObservation,
  AttemptResultObservation,
  ReceivedObservation,
  StoringObservation,
  WebhookObserver,
} from './observe/observer.js';
export { type RefusalLogOptions, refusalCounts } from './observe/refusal-log.js';
export type {
  ErrorInfo,
  IdempotencyOptions,
  InboxOptions,
  ToleranceOptions,
  WebhookReceiverOptions,
} from './receiver/options.js';
export { createWebhookReceiver, type ReceiveInput, type WebhookReceiver } from './receiver/receiver.js';
export {
  createVerifier,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  type SignatureHeaderCheck,
  signPayload,
  type Verifier,
  type VerifierOptions,
  type VerifyOutcome,
  verifyWebhookSignature,
} from './verify/signature.js';
