import type { IncomingMessage } from 'node:http';
import type { WebhookReceiverCore, WebhookResult } from '@armalo-webhooks/core';
import { readBodyFor } from '@armalo-webhooks/core/node';
import type { FastifyRequest } from 'fastify';

const EMPTY = Buffer.alloc(0);

const CONSUMED =
  'The request body stream was already read (by a preParsing hook or another plugin) before the webhook route, so the signed bytes are gone. Return an unread stream from preParsing hooks, or keep them out of the webhook route.';

/** A body the webhook route refuses, carried from the content-type parser to the route handler. */
class Refusal {
  constructor(readonly result: WebhookResult) {}
}

/**
 * The webhook route's content-type parser: core's bounded read (a body slot, 413 past
 * `maxBodyBytes` while streaming, 408 past `bodyTimeoutMs`). Refusals are returned, not thrown,
 * so Fastify's error shape never replaces core's.
 */
export async function readWebhookBody(
  receiver: WebhookReceiverCore,
  payload: IncomingMessage,
  request: FastifyRequest,
): Promise<Buffer | Refusal> {
  const refused = receiver.checkRequest({ method: request.method, headers: request.headers });
  if (refused !== undefined) return new Refusal(refused);
  const read = await readBodyFor(receiver, payload, CONSUMED);
  return read.ok ? read.body : new Refusal(read.result);
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
