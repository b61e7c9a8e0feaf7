import type { IncomingMessage } from 'node:http';
import { type BodyReadFailure, bodyFailureResult, serverBusyResult } from '../body-failures.js';
import type { WebhookReceiverCore, WebhookResult } from '../index.js';
import { readNodeBody } from './read-body.js';

/**
 * The outcome of {@link readBodyFor}: the bytes, or the answer to give instead.
 *
 * @example
 * ```ts
 * const read: BodyForOutcome = await readBodyFor(receiver, req, 'Mount the route before the body parser');
 * ```
 */
export type BodyForOutcome =
  | { ok: true; body: Buffer }
  | { ok: false; reason: BodyReadFailure | 'busy'; result: WebhookResult };

/**
 * Reads a Node request body within a receiver's limits: takes one of its `maxConcurrentBodies`
 * slots (503 when none is free), reads with `maxBodyBytes` and `bodyTimeoutMs`, and maps every
 * failure to the shared answer. `consumedMessage` names the fix for a stream a framework already read.
 *
 * @example
 * ```ts
 * import { readBodyFor } from '@armalo-webhooks/core/node';
 * const read = await readBodyFor(receiver, req, 'Mount the webhook route before express.json()');
 * if (read.ok) await receiver.receive({ rawBody: read.body, headers: req.headers, method: req.method });
 * ```
 */
export async function readBodyFor(
  receiver: WebhookReceiverCore,
  req: IncomingMessage,
  consumedMessage: string,
): Promise<BodyForOutcome> {
  const release = receiver.acquireBodySlot();
  if (release === undefined) return { ok: false, reason: 'busy', result: serverBusyResult(receiver) };
  let outcome: Awaited<ReturnType<typeof readNodeBody>>;
  try {
    outcome = await readNodeBody(req, { maxBodyBytes: receiver.maxBodyBytes, timeoutMs: receiver.bodyTimeoutMs });
  } finally {
    release();
  }
  if (outcome.ok) return outcome;
  return { ok: false, reason: outcome.reason, result: bodyFailureResult(receiver, outcome.reason, consumedMessage) };
}
