// A web-only consumer, the Workers and Edge style: no Node types ("types": []) and every
// declaration checked (skipLibCheck: false). Core's `.`, `./fetch`, `./testing` and `./adapter`
// must compile here; only `./node` may need Node's types. Checked by `pnpm typecheck` against the
// built declarations, with the DOM lib (tsconfig.json) and the WebWorker lib (tsconfig.worker.json).
import { createWebhookReceiver, outcomeOf, type WebhookResult } from '@armalo-webhooks/core';
import { type Exchange, handleExchange, toResponse } from '@armalo-webhooks/core/adapter';
import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';

const SECRET = 'whsec_web_only';
const webhooks = createWebhookReceiver({ secret: SECRET });
webhooks.on('score.changed', (event, ctx) => [event.data.compositeScore, ctx.header('x-request-id')]);

export default { fetch: createFetchHandler(webhooks) };

export async function viaAdapter(request: Request): Promise<Response> {
  const exchange: Exchange = {
    method: request.method,
    headers: request.headers,
    body: { kind: 'web', request, fix: 'Pass the untouched Request' },
  };
  const result: WebhookResult = await handleExchange(webhooks, exchange);
  return toResponse(result);
}

const sample = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
export const outcome = webhooks.receive({ rawBody: sample.body, headers: sample.headers }).then(outcomeOf);
