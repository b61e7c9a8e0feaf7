import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where {@link verify} leaves the bytes. A registry symbol, so two copies of this package agree. */
const STASH = Symbol.for('@armalo-webhooks/express.rawBody');

type Carrier = IncomingMessage & { body?: unknown; rawBody?: unknown; _body?: boolean; [STASH]?: Buffer };

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

/**
 * Whether something already read the request stream. Only the stream's own state counts: on
 * Express 4 a parser that skipped the request still sets `req.body = {}`, and on Express 5 it
 * leaves `req.body` undefined, so `req.body` says nothing about whether the bytes are gone.
 * `_body` is the flag Express 4's body-parser (and parsers modelled on it) sets when it reads.
 */
export function streamConsumed(req: IncomingMessage): boolean {
  return req.readableDidRead || req.readableEnded || (req as Carrier)._body === true;
}

/** The RAW_BODY_UNAVAILABLE message: what happened, and the two ways to fix it. */
export function rawBodyUnavailableMessage(req: IncomingMessage): string {
  const body = (req as Carrier).body;
  const seen =
    typeof body === 'string'
      ? 'req.body is a string, as express.text() leaves it'
      : body !== undefined && body !== null
        ? 'req.body is a parsed object, as express.json() leaves it'
        : 'another middleware read the request stream';
  return (
    `The raw request body is gone (${seen}), so the signature cannot be checked. ` +
    'Mount armaloWebhooks() before express.json() and other body parsers, or keep the bytes with ' +
    "express.json({ verify }) using the verify helper from '@armalo-webhooks/express'."
  );
}
