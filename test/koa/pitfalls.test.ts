import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Before, buildApp, listen, WEBHOOK_PATH } from './app.js';

const SECRET = 'whsec_koa_pitfalls';
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

async function deliver(before: Before, headers?: (signed: Record<string, string>) => Record<string, string>) {
  const receiver = createWebhookReceiver({ secret: SECRET, logger: { warn() {}, error() {} } });
  const seen: string[] = [];
  receiver.onAny((event, ctx) => {
    seen.push(`${event.event} ${ctx.koa?.path}`);
  });
  const server = await listen(buildApp(receiver, before));
  close = server.close;
  const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
  const response = await fetch(`${server.url}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: headers ? headers(delivery.headers) : delivery.headers,
    body: new TextEncoder().encode(delivery.body), // bytes: fetch adds no Content-Type of its own
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, seen };
}

describe('koa: body parsers', () => {
  it.each(['@koa/bodyparser', 'koa-bodyparser'] as const)(
    '%s mounted first: 500 RAW_BODY_UNAVAILABLE naming the fix, no handler runs',
    async (before) => {
      const { status, body, seen } = await deliver(before);
      expect([status, body.code]).toEqual([500, 'RAW_BODY_UNAVAILABLE']);
      expect((body.details as { fix: string }).fix).toContain('before bodyParser()');
      expect(seen).toEqual([]);
    },
  );

  it('ctx.disableBodyParser on the webhook path lets @koa/bodyparser run first', async () => {
    const { status, body, seen } = await deliver('disabled @koa/bodyparser');
    expect([status, body]).toEqual([200, { ok: true }]);
    expect(seen).toEqual([`score.changed ${WEBHOOK_PATH}`]);
  });

  it('a parser that skipped the request (no content type) set ctx.request.body = {} but left the bytes: 200', async () => {
    const { status, body } = await deliver('@koa/bodyparser', ({ 'content-type': _dropped, ...rest }) => rest);
    expect([status, body]).toEqual([200, { ok: true }]);
  });
});
