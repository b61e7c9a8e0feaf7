export type { RawBody } from './bytes.js';
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
} from './catalog.js';
export type { InboxReceiverSettings } from './engine-kit/retention.js';
export {
  ERROR_STATUS,
  ERRORS,
  isWebhookError,
  WebhookError,
  type WebhookErrorCode,
  type WebhookErrorOptions,
} from './errors.js';
export type * from './event-types.js';
export type { HeadersInput } from './headers.js';
export type { Claim, IdempotencyStore, MaybePromise } from './idempotency.js';
export { createMemoryInbox, type MemoryInbox, type MemoryInboxOptions } from './inbox/memory-inbox.js';
export type {
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
  ProcessJob,
  RedriveFilter,
  StoredDelivery,
} from './inbox/types.js';
export { createInboxWorker, type InboxWorker, type InboxWorkerOptions } from './inbox/worker.js';
export type { WebhookLogger } from './logger.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type {
  AnsweredObservation,
  AttemptObservation,
  AttemptResultObservation,
  ReceivedObservation,
  StoringObservation,
  WebhookObserver,
} from './observer.js';
export { createWebhookReceiver, observe, type ReceiveInput, type WebhookReceiver } from './receiver.js';
export type {
  ErrorInfo,
  IdempotencyOptions,
  InboxOptions,
  ToleranceOptions,
  WebhookReceiverOptions,
} from './receiver-options.js';
export { type RefusalLogOptions, refusalCounts } from './refusal-log.js';
export type { ErrorBody, ResultMeta, SuccessBody, WebhookResult } from './result.js';
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
} from './schemas.js';
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
} from './signature.js';
export type { StandardSchemaV1 } from './standard-schema.js';
