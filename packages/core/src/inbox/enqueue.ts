import { bytesToBase64 } from '../bytes.js';
import { WebhookError } from '../errors.js';
import type { Delivery } from '../exchange/dispatch.js';
import { failed } from '../exchange/fail.js';
import { acknowledged, refusal, type WebhookResult } from '../exchange/result.js';
import { getSingleHeader } from '../headers.js';
import { deliveryKey } from '../idempotency/key.js';
import { callStore } from '../idempotency/store-call.js';
import type { InboxConfig, ReceiverConfig } from '../receiver/config.js';
import { orderKeyOf } from './order-key.js';
import type { StoredDelivery } from './types.js';

const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;
const STORED_HEADERS = ['x-armalo-signature', 'content-type'] as const;

/**
 * Steps 6 and 7 with an inbox: store the delivery under its key, and answer only once the engine
 * confirmed the write. A failure or a timeout answers 503 and acknowledges nothing; a write that
 * lands after the timeout makes the sender's retry a duplicate, so nothing is lost either way.
 */
export async function enqueueDelivery(
  config: Pick<ReceiverConfig, 'keying' | 'logger' | 'onError'>,
  inbox: InboxConfig,
  backlog: BacklogGate,
  delivery: Delivery,
): Promise<WebhookResult> {
  const { headers, meta } = delivery;
  const key = await deliveryKey(config.keying, delivery);
  if (key instanceof WebhookError) return failed(config, meta, key);
  meta.idempotencyKey = key;

  let orderKey: string | undefined;
  try {
    orderKey = orderKeyOf(inbox.engine.orderBy, delivery.event);
  } catch (cause) {
    return failed(config, meta, new WebhookError('INTERNAL_ERROR', { cause }));
  }

  const full = await backlog.isFull().catch((cause: unknown) => cause as Error);
  if (full instanceof Error) return failed(config, meta, new WebhookError('INBOX_UNAVAILABLE', { cause: full }));
  if (full) return refusal('INBOX_FULL', { meta });

  const trace: Record<string, string> = {};
  for (const name of TRACE_HEADERS) {
    const value = getSingleHeader(headers, name);
    if (value !== undefined) trace[name] = value;
  }
  const kept: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = getSingleHeader(headers, name);
    if (value !== undefined) kept[name] = value;
  }
  const stored: StoredDelivery = {
    deliveryId: key,
    event: delivery.event.event,
    body: bytesToBase64(delivery.bytes),
    receivedAt: delivery.now,
    secretIndex: delivery.secretIndex,
    trace,
    headers: kept,
  };
  if (orderKey !== undefined) stored.orderKey = orderKey;
  delivery.storing?.({ deliveryId: key, event: stored.event, engine: inbox.engine.kind, trace });
  let answer: unknown;
  try {
    answer = await callStore(
      () => inbox.engine.enqueue(stored),
      inbox.timeoutMs,
      undefined,
      `the ${inbox.engine.kind} inbox`,
    );
    if (answer !== 'queued' && answer !== 'duplicate') {
      throw new TypeError(`the ${inbox.engine.kind} inbox answered ${JSON.stringify(answer)} to enqueue`);
    }
  } catch (cause) {
    return failed(config, meta, new WebhookError('INBOX_UNAVAILABLE', { cause }));
  }
  if (answer === 'duplicate') meta.duplicate = true;
  else meta.queued = true;
  return acknowledged(meta, answer);
}

/** Answers whether the backlog is at `maxBacklog`; the count is shared by every request for a second. */
export interface BacklogGate {
  isFull(): Promise<boolean>;
}

const BACKLOG_TTL_MS = 1000;

/**
 * Counting waiting jobs is a query per call (a `count(*)` on PostgreSQL): one count a second is
 * enough to stop unbounded growth, and keeps the count off the acknowledgement's latency.
 */
export function createBacklogGate(inbox: InboxConfig): BacklogGate {
  let checkedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<boolean> | undefined;
  let full = false;
  return {
    async isFull() {
      if (inbox.maxBacklog === Number.POSITIVE_INFINITY) return false;
      if (performance.now() - checkedAt < BACKLOG_TTL_MS) return full;
      pending ??= Promise.resolve(
        callStore(() => inbox.engine.backlog(), inbox.timeoutMs, undefined, `the ${inbox.engine.kind} inbox`),
      )
        .then((count) => {
          full = count >= inbox.maxBacklog;
          checkedAt = performance.now();
          return full;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
  };
}
