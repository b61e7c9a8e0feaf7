import {
  bodyFailureResult,
  serverBusyResult,
  type WebhookContextExtensions,
  type WebhookReceiverCore,
  type WebhookResult,
} from '../index.js';
import { type ReadRequestBodyOutcome, readRequestBody } from './read-body.js';

const CONSUMED =
  'The Request body was already read (request.json() or request.text()), so the signed bytes are gone. Pass the untouched Request to the webhook handler.';

/**
 * Turns a result into a fetch `Response`: status, headers and JSON body as they are.
 *
 * @example
 * ```ts
 * import { toResponse } from '@armalo-webhooks/core/fetch';
 * return toResponse(await webhooks.receive({ rawBody, headers: request.headers }));
 * ```
 */
export function toResponse(result: WebhookResult): Response {
  return new Response(JSON.stringify(result.body), { status: result.status, headers: result.headers });
}

/**
 * Options for {@link handleFetchRequest}.
 *
 * @example
 * ```ts
 * const options: HandleFetchRequestOptions = { context: {} };
 * ```
 */
export interface HandleFetchRequestOptions {
  /** Adapter values for `ctx`. */
  context?: WebhookContextExtensions;
}

/**
 * The whole exchange for a fetch `Request`: checks that need no body, a bounded read of the
 * stream, `receive()`, and the `Response`. Returns the result next to the response, for adapters
 * that log or measure.
 *
 * @example
 * ```ts
 * import { handleFetchRequest } from '@armalo-webhooks/core/fetch';
 * const { response, result } = await handleFetchRequest(webhooks, request);
 * ```
 */
export async function handleFetchRequest(
  receiver: WebhookReceiverCore,
  request: Request,
  options: HandleFetchRequestOptions = {},
): Promise<{ response: Response; result: WebhookResult }> {
  const refused = receiver.checkRequest({ method: request.method, headers: request.headers });
  if (refused !== undefined) return done(refused);
  const release = receiver.acquireBodySlot();
  if (release === undefined) return done(serverBusyResult(receiver));
  let outcome: ReadRequestBodyOutcome;
  try {
    outcome = await readRequestBody(request, {
      maxBodyBytes: receiver.maxBodyBytes,
      timeoutMs: receiver.bodyTimeoutMs,
    });
  } finally {
    release();
  }
  if (!outcome.ok) return done(bodyFailureResult(receiver, outcome.reason, CONSUMED));
  return done(
    await receiver.receive({
      rawBody: outcome.body,
      headers: request.headers,
      method: request.method,
      ...(options.context === undefined ? {} : { context: options.context }),
    }),
  );
}

function done(result: WebhookResult): { response: Response; result: WebhookResult } {
  return { response: toResponse(result), result };
}

/**
 * A `(Request) => Promise<Response>` handler for one receiver: Hono, Bun, Deno, Cloudflare
 * Workers, Next.js route handlers, anything built on fetch.
 *
 * @example
 * ```ts
 * import { createFetchHandler } from '@armalo-webhooks/core/fetch';
 * const handle = createFetchHandler(webhooks);
 * Bun.serve({ port: 3000, fetch: (req) => handle(req) });
 * ```
 */
export function createFetchHandler(receiver: WebhookReceiverCore): (request: Request) => Promise<Response> {
  return async (request) => (await handleFetchRequest(receiver, request)).response;
}
