import type { WebhookResult } from '../exchange/result.js';

/**
 * What `writeNodeResult` uses of a Node `ServerResponse` (Express's `res`, Koa's `ctx.res`, …),
 * written out so that this entry's declarations compile without Node's types.
 */
interface NodeResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  writeHead(statusCode: number, headers: Record<string, string | number>): unknown;
  end(chunk: string): unknown;
}

/**
 * Writes a result to a Node response as it is: status, headers, JSON body. Does nothing once the
 * response was sent or the socket is gone (a client that went away, a handler that wrote itself).
 * With `Connection: close` in the answer Node closes the socket once it is sent, so an unread body
 * is never taken for the next request.
 *
 * @example
 * ```ts
 * import { writeNodeResult } from '@armalo-webhooks/core/adapter';
 * writeNodeResult(res, await webhooks.receive({ rawBody, headers: req.headers }));
 * ```
 */
export function writeNodeResult(res: NodeResponse, result: WebhookResult): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(result.body);
  // An explicit length: after writeHead() Node no longer computes one and would send the short
  // JSON body chunked.
  res.writeHead(result.status, { ...result.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Turns a result into a fetch `Response`: status, headers and JSON body as they are.
 *
 * @example
 * ```ts
 * import { toResponse } from '@armalo-webhooks/core/adapter';
 * return toResponse(await webhooks.receive({ rawBody: await request.arrayBuffer(), headers: request.headers }));
 * ```
 */
export function toResponse(result: WebhookResult): Response {
  return new Response(JSON.stringify(result.body), { status: result.status, headers: result.headers });
}
