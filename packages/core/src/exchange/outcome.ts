import type { SuccessBody } from './result.js';

/**
 * What became of a delivery, read from its answer. `handled`: a 2xx, its handlers ran (or there
 * were none); `unknown`: a 2xx for an event name neither the catalog nor the receiver's `schemas`
 * knows, so only `onUnknown` handlers ran; `duplicate`: done before, nothing ran; `queued`: stored
 * in the inbox; `stale`: older than the newest delivery handled for its
 * freshness key (the `freshness` option), nothing ran; `refused`: a 4xx, the delivery was not accepted (its `code` says why); `failed`:
 * anything else (a 5xx), the sender retries.
 *
 * @example
 * ```ts
 * observe(webhooks, { answered: (answer) => metrics.increment(`webhook.${answer.outcome}`) });
 * ```
 */
export type WebhookOutcome = 'handled' | 'duplicate' | 'stale' | 'queued' | 'refused' | 'failed' | 'unknown';

/**
 * The one rule from an answer to its outcome. Core decides every exchange's outcome with it, and an
 * HTTP client of a receiver (the CLI's `send`) reads the status and JSON body it got back with it.
 * `unknown` needs the receiver's own knowledge (`meta.unknownEvent`), which the wire does not carry:
 * a client reads an unknown event's answer as `handled`.
 *
 * @example
 * ```ts
 * import { outcomeOf } from '@armalo-webhooks/core';
 * outcomeOf({ status: 200, body: { ok: true, duplicate: true } }); // 'duplicate'
 * outcomeOf({ status: 401, body: { error: 'Signature does not match the request body', code: 'INVALID_SIGNATURE' } }); // 'refused'
 * ```
 */
export function outcomeOf(answer: {
  status: number;
  body?: unknown;
  meta?: { unknownEvent?: boolean | undefined };
}): WebhookOutcome {
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    // A success body's flag names its outcome, in this order of precedence. A new outcome is a
    // flag of `SuccessBody`, a member of `WebhookOutcome` and a line here.
    const flags = typeof body === 'object' && body !== null ? (body as SuccessBody) : undefined;
    if (flags?.duplicate === true) return 'duplicate';
    if (flags?.stale === true) return 'stale';
    if (flags?.queued === true) return 'queued';
    return answer.meta?.unknownEvent === true ? 'unknown' : 'handled';
  }
  return status >= 400 && status < 500 ? 'refused' : 'failed';
}
