import backend from '#crypto';
import { retentionFor } from '../engine-kit/retention.js';
import type { WebhookError } from '../errors.js';
import type { SchemaMap } from '../events/event-types.js';
import { type FreshnessConfig, freshnessConfig } from '../freshness/config.js';
import { createMemoryStore } from '../idempotency/memory-store.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Inbox } from '../inbox/types.js';
import type { WebhookLogger } from '../observe/logger.js';
import { normalizeSecrets } from '../verify/secrets.js';
import { positive, timerMs } from './option-checks.js';
import {
  DEFAULTS,
  type ErrorInfo,
  type IdempotencyOptions,
  type InboxOptions,
  type WebhookReceiverOptions,
} from './options.js';

/** Idempotency settings, checked and with their defaults. */
export interface IdempotencyConfig {
  store: IdempotencyStore;
  leaseMs: number;
  /** Retention when the replay window is off; with a window, retention follows each timestamp. */
  retainMs: number;
  timeoutMs: number;
  failOpen: boolean;
}

/** How a delivery's key is made: the idempotency key inline, the delivery id in an inbox. */
export interface KeyConfig {
  key: IdempotencyOptions['key'];
  /** The key scope of each configured secret, by index (or one fixed scope for all). */
  scopes: (string | Promise<string>)[];
  /** `idempotency.scope` was given: one scope for every secret. */
  fixedScope: boolean;
}

/** Inbox settings, checked and with their defaults. */
export interface InboxConfig {
  engine: Inbox;
  maxBacklog: number;
  timeoutMs: number;
}

/** A receiver's options, checked once at startup; everything the pipeline reads. */
export interface ReceiverConfig {
  keys: unknown;
  tolerance: { pastMs: number; futureMs: number } | undefined;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxConcurrentBodies: number;
  /** Unused with an inbox: the engine deduplicates. */
  idempotency: IdempotencyConfig | undefined;
  keying: KeyConfig;
  /** The `freshness` option, checked against the store or the inbox; `undefined` when unused. */
  freshness: FreshnessConfig | undefined;
  inbox: InboxConfig | undefined;
  rejectUnknown: boolean;
  schemas: SchemaMap;
  logger: WebhookLogger;
  onError: ((error: WebhookError, info: ErrorInfo) => unknown) | undefined;
}

const SCOPE_LABEL = new TextEncoder().encode('armalo-webhooks idempotency scope v1');

/** Checks every option and fills in the defaults; throws at startup on anything unusable. */
export function resolveConfig(options: WebhookReceiverOptions<SchemaMap>): ReceiverConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('armalo-webhooks: createWebhookReceiver() needs an options object with at least `secret`');
  }
  const secrets = normalizeSecrets(options.secret);
  const tolerance = options.tolerance === false ? undefined : (options.tolerance ?? {});
  const logger = options.logger ?? console;
  const idempotency = options.idempotency === false ? {} : (options.idempotency ?? {});
  const inbox = inboxConfig(options.inbox);
  // The engine keeps completed deliveries as long as this receiver's replay window lets a re-send in.
  inbox?.engine.useReceiver?.({ retentionMs: retentionFor(options), logger, enqueueTimeoutMs: inbox.timeoutMs });
  const idempotencyChecked =
    options.idempotency === false || inbox !== undefined ? undefined : idempotencyConfig(idempotency, logger);
  const freshness = freshnessConfig(options.freshness, {
    store: idempotencyChecked?.store,
    inbox: inbox?.engine,
    idempotencyOff: options.idempotency === false,
  });
  return {
    keys: backend.prepareKeys(secrets),
    tolerance: tolerance && {
      pastMs: positive('tolerance.pastMs', tolerance.pastMs ?? DEFAULTS.pastMs, true),
      futureMs: positive('tolerance.futureMs', tolerance.futureMs ?? DEFAULTS.futureMs, true),
    },
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes ?? DEFAULTS.maxBodyBytes),
    bodyTimeoutMs: timerMs('bodyTimeoutMs', options.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs),
    maxConcurrentBodies: positive('maxConcurrentBodies', options.maxConcurrentBodies ?? DEFAULTS.maxConcurrentBodies),
    idempotency: idempotencyChecked,
    keying: keyConfig(idempotency, secrets),
    freshness,
    inbox,
    rejectUnknown: options.unknownEvents === 'reject',
    schemas: options.schemas ?? {},
    logger,
    onError: options.onError,
  };
}

function idempotencyConfig(options: IdempotencyOptions, logger: WebhookLogger): IdempotencyConfig {
  const store = options.store ?? createMemoryStore();
  store.useLogger?.(logger);
  return {
    store,
    leaseMs: positive('idempotency.leaseMs', options.leaseMs ?? DEFAULTS.leaseMs),
    retainMs: positive('idempotency.retainMs', options.retainMs ?? DEFAULTS.retainMs),
    timeoutMs: timerMs('idempotency.timeoutMs', options.timeoutMs ?? DEFAULTS.storeTimeoutMs, true),
    failOpen: options.onStoreError === 'fail-open',
  };
}

// With `idempotency: false` and no inbox the key is never computed; an inbox always needs one.
function keyConfig(options: IdempotencyOptions, secrets: string[]): KeyConfig {
  if (options.scope !== undefined && (typeof options.scope !== 'string' || options.scope === '')) {
    throw new TypeError('armalo-webhooks: idempotency.scope must be a non-empty string');
  }
  const scopes: (string | Promise<string>)[] = secrets.map((secret, index) => {
    if (options.scope !== undefined) return options.scope;
    const hex = backend.hmacHex(secret, SCOPE_LABEL) as string | Promise<string>;
    // Web Crypto answers later: the first deliveries await the promise, later ones read the string.
    return typeof hex === 'string' ? hex.slice(0, 16) : hex.then((value) => (scopes[index] = value.slice(0, 16)));
  });
  return { key: options.key, scopes, fixedScope: options.scope !== undefined };
}

function inboxConfig(option: Inbox | InboxOptions | undefined): InboxConfig | undefined {
  if (option === undefined) return undefined;
  const options: InboxOptions = 'engine' in option ? option : { engine: option };
  if (typeof options.engine?.enqueue !== 'function') {
    throw new TypeError('armalo-webhooks: inbox must be an Inbox (createMemoryInbox(), createPgBossInbox(), …)');
  }
  return {
    engine: options.engine,
    maxBacklog: positive('inbox.maxBacklog', options.maxBacklog ?? Number.POSITIVE_INFINITY, true),
    timeoutMs: timerMs('inbox.timeoutMs', options.timeoutMs ?? DEFAULTS.storeTimeoutMs, true),
  };
}
