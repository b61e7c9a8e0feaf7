import { createWebhookReceiver, type WebhookContext } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createApiHandler } from '@armalo-webhooks/next/pages';
import { describe, expect, it } from 'vitest';
import { SECRET } from '../conformance/fixture.js';
import { defineConformanceSuite } from '../conformance/run.js';
import { mockApiRequest, mockApiResponse } from './mock-next-api.js';

/** Splits a body in three, so that reading it has to put chunks back together. */
function split(body: Buffer): Uint8Array[] {
  const third = Math.ceil(body.length / 3);
  return [body.subarray(0, third), body.subarray(third, 2 * third), body.subarray(2 * third)].filter((c) => c.length);
}

defineConformanceSuite('next Pages Router createApiHandler, mocked NextApiRequest stream', {
  consumes: {
    parsed: "Next's body parser ran (no bodyParser: false in the route's config)",
    drained: 'something read the request stream first',
  },
  rawBodyFix: /export const config = \{ api: \{ bodyParser: false \} \};.*object literal/,
  wholeBodiesOnly: 'a mocked request has no socket to stall or close',
  async mount(fixture, { consumed }) {
    const handler = createApiHandler(fixture.receiver);
    return {
      async send(wire) {
        const req = await mockApiRequest({
          method: wire.method,
          headers: wire.headers,
          chunks: split(wire.body),
          // What Next's parser leaves for a JSON content type when the route keeps bodyParser on.
          ...(consumed === 'parsed' ? { parsedBody: JSON.parse(wire.body.toString('utf8')) } : {}),
          ...(consumed === 'drained' ? { drained: true } : {}),
        });
        const { res, written } = mockApiResponse();
        await handler(req, res);
        const { status, headers, body } = await written;
        return { status, headers, body: JSON.parse(body) };
      },
      async close() {},
    };
  },
});

function delivery() {
  return createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
}

describe('createApiHandler', () => {
  it.each([
    ['a parsed JSON object', { event: 'score.changed' }],
    ['a string (text/plain or no content type)', '{"event":"score.changed"}'],
    ['an empty string (empty body)', ''],
  ])(
    'answers RAW_BODY_UNAVAILABLE naming the config fix when req.body is %s, without reading the stream',
    async (_name, parsed) => {
      const d = delivery();
      let ran = false;
      const handler = createApiHandler(
        createWebhookReceiver({ secret: SECRET, logger: { warn() {}, error() {} } }).onAny(() => {
          ran = true;
        }),
      );
      // The stream never ends: waiting on it would hang the test past its timeout.
      const req = await mockApiRequest({
        method: 'POST',
        headers: d.headers,
        chunks: [],
        parsedBody: parsed,
        endless: true,
      });
      const { res, written } = mockApiResponse();
      await handler(req, res);
      const answer = await written;
      const body = JSON.parse(answer.body) as { code: string; details: { fix: string } };
      expect(body.code).toBe('RAW_BODY_UNAVAILABLE');
      expect(body.details.fix).toContain('export const config = { api: { bodyParser: false } };');
      expect(body.details.fix).toContain('object literal');
      expect(ran).toBe(false);
    },
  );

  it('logs the misconfiguration through the receiver logger', async () => {
    const errors: string[] = [];
    const handler = createApiHandler(
      createWebhookReceiver({ secret: SECRET, logger: { warn() {}, error: (message) => errors.push(message) } }),
    );
    const d = delivery();
    const { res, written } = mockApiResponse();
    await handler(await mockApiRequest({ method: 'POST', headers: d.headers, chunks: [], parsedBody: {} }), res);
    await written;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('bodyParser: false');
  });

  it('creates the receiver from a factory on the first request and gives handlers ctx.nextApi', async () => {
    const seen: WebhookContext[] = [];
    let created = 0;
    const handler = createApiHandler(() => {
      created++;
      return createWebhookReceiver({ secret: SECRET }).onAny((_event, ctx) => {
        seen.push(ctx);
      });
    });
    expect(created).toBe(0);
    const d = delivery();
    const req = await mockApiRequest({ method: 'POST', headers: d.headers, chunks: [Buffer.from(d.body)] });
    const { res, written } = mockApiResponse();
    await handler(req, res);
    expect(JSON.parse((await written).body)).toEqual({ ok: true });
    expect(created).toBe(1);
    expect(seen[0]?.nextApi?.req).toBe(req);
    expect(seen[0]?.nextApi?.res).toBe(res);
  });
});
