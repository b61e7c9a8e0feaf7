import type { SuccessBody } from './result.js';

/**
 * What became of a delivery, read from its answer. `handled`: a 2xx, its handlers ran (or there
 * were none); `duplicate`: done before, nothing ran; `queued`: stored in the inbox; `refused`: a
 * 4xx, the delivery was not accepted (its `code` says why); `failed`: a 5xx, the sender retries;
 * `unknown`: any other status, never one of core's own answers.
 *
 * @example
 * ```ts
 * observe(webhooks, { answered: (answer) => metrics.increment(`webhook.${answer.outcome}`) });
 * ```
 */
export type WebhookOutcome = 'handled' | 'duplicate' | 'queued' | 'refused' | 'failed' | 'unknown';

/**
 * The one rule from an answer to its outcome. Core decides every exchange's outcome with it, and an
 * HTTP client of a receiver (the CLI's `send`) reads the status and JSON body it got back with it.
 *
 * @example
 * ```ts
 * import { outcomeOf } from '@armalo-webhooks/core';
 * outcomeOf({ status: 200, body: { ok: true, duplicate: true } }); // 'duplicate'
 * outcomeOf({ status: 401, body: { error: 'Signature does not match the request body', code: 'INVALID_SIGNATURE' } }); // 'refused'
 * ```
 */
export function outcomeOf(answer: { status: number; body?: unknown }): WebhookOutcome {
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    // A success body's flag names its outcome, in this order of precedence. A new outcome
    // (`stale`) is a flag of `SuccessBody`, a member of `WebhookOutcome` and a line here.
    const flags = typeof body === 'object' && body !== null ? (body as SuccessBody) : undefined;
    if (flags?.duplicate === true) return 'duplicate';
    if (flags?.queued === true) return 'queued';
    return 'handled';
  }
  if (status >= 400 && status < 600) return status < 500 ? 'refused' : 'failed';
  return 'unknown';
}
