import type {} from '@armalo-webhooks/core';
import { handleExchange, writeNodeResult } from '@armalo-webhooks/core/adapter';
import type { NextApiRequest, NextApiResponse } from 'next';
import { type ReceiverSource, resolveReceiver } from '../receiver-source.js';

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set by `@armalo-webhooks/next/pages` API routes (Pages Router). */
    nextApi?: { req: NextApiRequest; res: NextApiResponse };
  }
}

/** The one fix: Next parses the body only when the route's `config` is missing or not seen. */
const FIX =
  'Add `export const config = { api: { bodyParser: false } };` to this API route file itself, as an object literal (Next.js reads it statically at build time; a re-exported, imported or computed config does not apply).';

/**
 * A Pages Router API route handler: `(req, res) => Promise<void>`.
 *
 * @example
 * ```ts
 * const handler: ApiHandler = createApiHandler(webhooks);
 * ```
 */
export type ApiHandler = (req: NextApiRequest, res: NextApiResponse) => Promise<void>;

/**
 * The default export of a Pages Router API route (`pages/api/...`), Node.js runtime. The route
 * must turn off Next's body parser with a literal `config` in the same file; when it has not,
 * `req.body` is already parsed and the handler answers 500 `RAW_BODY_UNAVAILABLE` naming that fix
 * (it never re-serializes the parsed body, which would not reproduce the signed bytes).
 *
 * @example
 * ```ts
 * // pages/api/webhooks/armalo.ts
 * import { createApiHandler } from '@armalo-webhooks/next/pages';
 * import { createWebhooks } from '@/lib/webhooks';
 *
 * export const config = { api: { bodyParser: false } };
 * export default createApiHandler(createWebhooks);
 * ```
 */
export function createApiHandler(receiver: ReceiverSource): ApiHandler {
  const getReceiver = resolveReceiver(receiver);
  return async (req, res) => {
    // Next's parser sets req.body once it has drained the stream.
    const body =
      req.body === undefined
        ? ({ kind: 'node', stream: req, fix: FIX } as const)
        : ({ kind: 'consumed', fix: FIX } as const);
    const context = { nextApi: { req, res } };
    writeNodeResult(
      res,
      await handleExchange(getReceiver(), { method: req.method, headers: req.headers, body, context }),
    );
  };
}
