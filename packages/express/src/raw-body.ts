import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where {@link verify} leaves the bytes. A registry symbol, so two copies of this package agree. */
const STASH = Symbol.for('@armalo-webhooks/express.rawBody');

type Carrier = IncomingMessage & { body?: unknown; rawBody?: unknown; [STASH]?: Buffer };

/**
 * A `verify` callback for Express body parsers that keeps the exact bytes they read, so that
 * `armaloWebhooks()` still has them after `express.json()` parsed the body.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { armaloWebhooks, verify } from '@armalo-webhooks/express';
 *
 * app.use(express.json({ verify })); // parsed JSON for every route, raw bytes kept aside
 * app.post('/webhooks/armalo', armaloWebhooks(webhooks));
 * ```
 */
export function verify(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as Carrier)[STASH] = buf;
}

/**
 * The raw bytes a body parser left behind, in order: `req.body` as a Buffer (`express.raw()`),
 * the {@link verify} stash, a Buffer at `req.rawBody` (Google Cloud Functions, hand-written
 * verify callbacks). Strings never count: they are decoded text, not the signed bytes.
 */
export function capturedRawBody(req: IncomingMessage): Uint8Array | undefined {
  const carrier = req as Carrier;
  if (carrier.body instanceof Uint8Array) return carrier.body;
  if (carrier[STASH] !== undefined) return carrier[STASH];
  if (carrier.rawBody instanceof Uint8Array) return carrier.rawBody;
  return undefined;
}
