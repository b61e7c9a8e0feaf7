import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { sign } from '@armalo-webhooks/core/testing';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fromResult, loadFixture, toEvent } from './events.js';

const SECRET = 'whsec_test'; // what the fixtures were signed with

function setup() {
  // The fixtures keep the timestamp they were signed with, so the replay window is off here.
  const receiver = createWebhookReceiver({ secret: SECRET, tolerance: false, logger: { warn() {}, error() {} } });
  const seen: unknown[] = [];
  receiver.onAny((event, ctx) => {
    seen.push([event.event, ctx.lambda?.context?.awsRequestId, ctx.lambda?.event === undefined]);
  });
  return { handler: createLambdaHandler(receiver), seen };
}

const context = { awsRequestId: 'req-1' } as Context;

// {"event":"eval.failed","timestamp":"(0xC3 0x28)"}: signed over bytes that are not UTF-8.
const notUtf8 = Buffer.concat([
  Buffer.from('{"event":"eval.failed","timestamp":"'),
  Buffer.from([0xc3, 0x28]),
  Buffer.from('","data":{}}'),
]);

describe('aws-lambda: the AWS sample events', () => {
  it.each(FIXTURES)('%s as AWS documents it verifies (200) with ctx.lambda set', async (name) => {
    const { handler, seen } = setup();
    const answer = fromResult(name, await handler(loadFixture(name) as never, context));
    expect([answer.status, answer.body]).toEqual([200, { ok: true }]);
    expect(seen).toEqual([['score.changed', 'req-1', false]]);
  });
});

describe('aws-lambda: bodies and headers', () => {
  it.each(['apigw-rest-v1-base64', 'function-url', 'alb-multi-value'] as const)(
    '%s: a base64 body that is not UTF-8 is decoded to its exact bytes and verifies (then 400 INVALID_JSON)',
    async (name) => {
      const { handler } = setup();
      const request = { method: 'POST', headers: { 'x-armalo-signature': sign(notUtf8, SECRET) }, body: notUtf8 };
      const answer = fromResult(name, await handler(toEvent(name, request) as never));
      expect([answer.status, (answer.body as { code: string }).code]).toEqual([400, 'INVALID_JSON']);
    },
  );

  it('the same bytes passed as text (no binary media types: AWS already decoded them) fail closed: 401 INVALID_SIGNATURE', async () => {
    const { handler } = setup();
    const event = { ...loadFixture('apigw-rest-v1'), body: notUtf8.toString('utf8'), isBase64Encoded: false };
    event.headers = { ...event.headers, 'X-Armalo-Signature': sign(notUtf8, SECRET) };
    event.multiValueHeaders = { ...event.multiValueHeaders, 'X-Armalo-Signature': [sign(notUtf8, SECRET)] };
    const answer = fromResult('apigw-rest-v1', await handler(event as never));
    expect([answer.status, (answer.body as { code: string }).code]).toEqual([401, 'INVALID_SIGNATURE']);
  });

  it.each(['apigw-rest-v1', 'alb-multi-value'] as const)(
    '%s: a signature header sent twice (multi-value) answers 401 MALFORMED_SIGNATURE',
    async (name) => {
      const { handler, seen } = setup();
      const event = loadFixture(name);
      const values = event.multiValueHeaders as Record<string, string[]>;
      const key = Object.keys(values).find((k) => k.toLowerCase() === 'x-armalo-signature') as string;
      event.multiValueHeaders = { ...values, [key]: [...(values[key] ?? []), '0'.repeat(64)] };
      const answer = fromResult(name, await handler(event as never));
      expect([answer.status, (answer.body as { code: string }).code]).toEqual([401, 'MALFORMED_SIGNATURE']);
      expect(seen).toEqual([]);
    },
  );
});

describe('aws-lambda: what is not an HTTP delivery', () => {
  // A signed delivery whose base64 has both characters the URL alphabet writes otherwise, and ends in `==`.
  const delivery = (() => {
    for (let pad = 0; ; pad++) {
      const data = { note: `${'x'.repeat(pad)}???>>>` };
      const body = Buffer.from(JSON.stringify({ event: 'eval.failed', timestamp: new Date().toISOString(), data }));
      const base64 = body.toString('base64');
      if (base64.includes('+') && base64.includes('/') && base64.endsWith('==')) return { body, base64 };
    }
  })();
  const request = {
    method: 'POST',
    headers: { 'x-armalo-signature': sign(delivery.body, SECRET) },
    body: delivery.body,
  };

  it.each(['apigw-rest-v1-base64', 'function-url', 'alb-multi-value'] as const)(
    '%s: a base64 body is decoded strictly; anything but canonical base64 answers 400 INVALID_BODY_ENCODING',
    async (name) => {
      const { handler, seen } = setup();
      const { base64 } = delivery;
      // Each decodes leniently (Buffer.from) to the signed bytes.
      const lastChar = base64.charCodeAt(base64.length - 3);
      const variants = {
        'URL alphabet': base64.replaceAll('+', '-').replaceAll('/', '_'),
        'line breaks': base64.replace(/(.{40})/g, '$1\n'),
        'trailing junk': `${base64}#junk`,
        'no padding': base64.slice(0, -2),
        'non-zero padding bits': `${base64.slice(0, -3)}${String.fromCharCode(lastChar + 1)}==`,
      };
      const answers = [];
      for (const [variant, body] of Object.entries(variants)) {
        const answer = fromResult(name, await handler({ ...toEvent(name, request), body } as never));
        answers.push([variant, answer.status, (answer.body as { code?: string }).code]);
      }
      expect(answers).toEqual(Object.keys(variants).map((variant) => [variant, 400, 'INVALID_BODY_ENCODING']));
      expect(seen).toEqual([]);
      const canonical = fromResult(name, await handler(toEvent(name, request) as never));
      expect(canonical.status).toBe(200);
    },
  );

  it.each(FIXTURES)('%s: an event without an HTTP method answers 405 and runs nothing', async (name) => {
    const { handler, seen } = setup();
    const event = structuredClone(loadFixture(name));
    delete event.httpMethod;
    delete (event.requestContext as { http?: { method?: string } } | undefined)?.http?.method;
    delete (event.requestContext as { httpMethod?: string } | undefined)?.httpMethod;
    const answer = fromResult(name, await handler(event as never));
    expect([answer.status, (answer.body as { code: string }).code, answer.headers.allow]).toEqual([
      405,
      'METHOD_NOT_ALLOWED',
      'POST',
    ]);
    expect(seen).toEqual([]);
  });
});
