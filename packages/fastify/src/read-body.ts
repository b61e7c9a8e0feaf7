import type { IncomingMessage } from 'node:http';
import type { ErrorResultOptions, WebhookErrorCode, WebhookReceiverCore, WebhookResult } from '@armalo-webhooks/core';
import { type ReadBodyOutcome, readNodeBody } from '@armalo-webhooks/core/node';

const CLOSE = { connection: 'close' } as const;

const EMPTY = Buffer.alloc(0);

/** A body the webhook route refuses, carried from the content-type parser to the route handler. */
class Refusal {
  constructor(readonly result: WebhookResult) {}
}

type Failure = Exclude<ReadBodyOutcome, { ok: true }>['reason'];

// The same answers core's node handler gives, so every adapter refuses a body the same way.
const FAILURES: Record<Failure, [WebhookErrorCode, ErrorResultOptions]> = {
  'too-large': ['PAYLOAD_TOO_LARGE', { headers: CLOSE }],
  timeout: ['REQUEST_TIMEOUT', { headers: CLOSE }],
  aborted: ['REQUEST_TIMEOUT', { message: 'The client aborted the request body', headers: CLOSE }],
  consumed: [
    'RAW_BODY_UNAVAILABLE',
    {
      message:
        'The request body stream was already read (by a preParsing hook or another plugin) before the webhook route, so the signed bytes are gone. Return an unread stream from preParsing hooks, or keep them out of the webhook route.',
    },
  ],
};

/**
 * The webhook route's content-type parser: takes a body slot, then reads the exact bytes with
 * core's bounded reader (413 past `maxBodyBytes` while streaming, 408 past `bodyTimeoutMs`).
 * Refusals are returned, not thrown, so Fastify's error shape never replaces core's.
 */
export async function readWebhookBody(
  receiver: WebhookReceiverCore,
  payload: IncomingMessage,
): Promise<Buffer | Refusal> {
  const release = receiver.acquireBodySlot();
  if (release === undefined) {
    return new Refusal(receiver.errorResult('SERVER_BUSY', { headers: { 'retry-after': '1', ...CLOSE } }));
  }
  let outcome: ReadBodyOutcome;
  try {
    outcome = await readNodeBody(payload, { maxBodyBytes: receiver.maxBodyBytes, timeoutMs: receiver.bodyTimeoutMs });
  } finally {
    release();
  }
  if (outcome.ok) return outcome.body;
  const [code, options] = FAILURES[outcome.reason];
  return new Refusal(receiver.errorResult(code, options));
}

/** What the route handler does with `request.body`: the bytes to verify, or the answer to give instead. */
export function rawBodyOf(receiver: WebhookReceiverCore, body: unknown): Buffer | WebhookResult {
  if (body === undefined) return EMPTY; // a POST without a body: core answers it
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Refusal) return body.result;
  return receiver.errorResult('RAW_BODY_UNAVAILABLE', {
    message:
      'request.body on the webhook route is no longer the raw bytes (a hook replaced it), so the signature cannot be checked. Do not set request.body in hooks that run on the webhook route.',
  });
}
