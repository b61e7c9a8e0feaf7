export { type BodyReadFailure, bodyFailureResult, serverBusyResult } from './body-failures.js';
export type { RawBody } from './bytes.js';
export {
  type CatalogEventName,
  EVENT_CATALOG,
  EVENT_NAMES,
  type EventName,
  isCatalogEventName,
  LEGACY_EVENT_NAMES,
  type LegacyEventName,
} from './catalog.js';
export {
  ERROR_MESSAGES,
  ERROR_STATUS,
  isWebhookError,
  WebhookError,
  type WebhookErrorCode,
  type WebhookErrorOptions,
} from './errors.js';
export type {
  DataMap,
  EventNameOf,
  EventOf,
  EventPattern,
  MatchPattern,
  SchemaMap,
  WebhookContext,
  WebhookContextExtensions,
  WebhookEvent,
  WebhookHandler,
  WildcardPattern,
} from './event-types.js';
export { getHeader, getSingleHeader, type HeadersInput } from './headers.js';
export type { Claim, IdempotencyStore } from './idempotency.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  createWebhookReceiver,
  type ReceiveInput,
  type WebhookReceiver,
  type WebhookReceiverCore,
} from './receiver.js';
export type {
  ErrorInfo,
  IdempotencyOptions,
  ToleranceOptions,
  WebhookLogger,
  WebhookReceiverOptions,
} from './receiver-options.js';
export { isJsonContentType } from './request-checks.js';
export {
  type ErrorBody,
  type ErrorResultOptions,
  errorResult,
  type ResultMeta,
  type SuccessBody,
  successResult,
  type WebhookResult,
} from './result.js';
export {
  type Envelope,
  type EvalCompletedData,
  type EventDataMap,
  envelopeSchema,
  evalCompletedDataSchema,
  eventDataSchemas,
  type ScoreChangedData,
  scoreChangedDataSchema,
  type UnknownData,
  unknownDataSchema,
} from './schemas.js';
export {
  createVerifier,
  SIGNATURE_HEADER,
  signPayload,
  type Verifier,
  type VerifierOptions,
  type VerifyOutcome,
  verifyWebhookSignature,
} from './signature.js';
export type { StandardSchemaV1 } from './standard-schema.js';
