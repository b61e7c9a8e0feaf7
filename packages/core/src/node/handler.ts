import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookContextExtensions, WebhookReceiverCore, WebhookResult } from '../index.js';
import { readBodyFor } from './read-body-for.js';

const CONSUMED =
  'The request body stream was already read by another body parser, so the signed bytes are gone. Mount the webhook handler before any body parser.';

/**
 * Writes a result as it is: status, headers, JSON body. Does nothing if the response has already
 * been sent (a handler that wrote to it directly cannot make the adapter throw).
 *
 * @example
 * ```ts
 * import { writeNodeResult } from '@armalo-webhooks/core/node';
 * writeNodeResult(res, await webhooks.receive({ rawBody, headers: req.headers }));
 * ```
 */
export function writeNodeResult(res: ServerResponse, result: WebhookResult): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(result.body);
  // An explicit length: after writeHead() Node no longer computes one, and would send the
  // short JSON body chunked.
  res.writeHead(result.status, { ...result.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Options for {@link handleNodeRequest}.
 *
 * @example
 * ```ts
 * const options: HandleNodeRequestOptions = { rawBody: req.body, context: { express: { req, res } } };
 * ```
 */
export interface HandleNodeRequestOptions {
  /** Bytes already captured by a framework (for example `express.raw()`); otherwise the stream is read. */
  rawBody?: Uint8Array;
  /** Adapter values for `ctx`. */
  context?: WebhookContextExtensions;
}

/**
 * The whole exchange for a Node request: checks that need no body, a bounded read of the stream
 * (413 past the limit, 408 past the read timeout, 503 when too many bodies are in flight),
 * `receive()`, and the answer. Returns the result, or `undefined` when the client went away
 * before its body arrived (nothing ran, nothing was claimed, nothing can be answered).
 * Adapters built on `node:http` (Express, Next.js Pages Router) call this.
 *
 * @example
 * ```ts
 * import { handleNodeRequest } from '@armalo-webhooks/core/node';
 * server.on('request', (req, res) => handleNodeRequest(webhooks, req, res));
 * ```
 */
export async function handleNodeRequest(
  receiver: WebhookReceiverCore,
  req: IncomingMessage,
  res: ServerResponse,
  options: HandleNodeRequestOptions = {},
): Promise<WebhookResult | undefined> {
  let rawBody = options.rawBody;
  if (rawBody === undefined) {
    const refused = receiver.checkRequest({ method: req.method ?? 'GET', headers: req.headers });
    if (refused !== undefined) return answer(res, refused);
    const read = await readBodyFor(receiver, req, CONSUMED);
    if (!read.ok) {
      // An aborted client is gone: nothing ran, nothing was claimed, nothing can be answered.
      if (read.reason === 'aborted') return undefined;
      return answer(res, read.result, read.reason === 'too-large' || read.reason === 'timeout');
    }
    rawBody = read.body;
  }
  const result = await receiver.receive({
    rawBody,
    headers: req.headers,
    method: req.method ?? 'GET',
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  return answer(res, result);
}

function answer(res: ServerResponse, result: WebhookResult, destroyAfter = false): WebhookResult {
  writeNodeResult(res, result);
  // A client still sending (too large, too slow) must not keep the socket: once the answer is
  // flushed, close it even if the peer ignores `Connection: close`.
  if (destroyAfter) res.once('finish', () => res.socket?.destroySoon?.());
  return result;
}

/**
 * A `node:http` request listener for one receiver. Mount it on a path yourself, or use it as the
 * whole server.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createNodeHandler } from '@armalo-webhooks/core/node';
 *
 * const handle = createNodeHandler(webhooks);
 * createServer((req, res) => {
 *   if (req.url === '/webhooks/armalo') return void handle(req, res);
 *   res.writeHead(404).end();
 * }).listen(3000);
 * ```
 */
export function createNodeHandler(
  receiver: WebhookReceiverCore,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    await handleNodeRequest(receiver, req, res);
  };
}
