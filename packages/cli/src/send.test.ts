import { sign } from '@armalo-webhooks/core/testing';
import { describe, expect, it } from 'vitest';
import { buildDelivery, classifyResponse, sendDelivery } from './send.js';

const SECRET = 'whsec_unit';
const TIMESTAMP = '2026-03-16T10:05:00.000Z';

describe('buildDelivery', () => {
  it('gives the same bytes for the same event, data and timestamp, signed over those bytes', () => {
    const first = buildDelivery({ event: 'score.changed', secret: SECRET, timestamp: TIMESTAMP });
    const again = buildDelivery({ event: 'score.changed', secret: SECRET, timestamp: TIMESTAMP });
    expect(again).toEqual(first);
    expect(first.signature).toBe(sign(first.body, SECRET));
    expect(JSON.parse(first.body)).toMatchObject({ event: 'score.changed', timestamp: TIMESTAMP });
  });

  it('changes the body after signing when tampering', () => {
    const honest = buildDelivery({ event: 'escrow.funded', secret: SECRET, timestamp: TIMESTAMP });
    const tampered = buildDelivery({ event: 'escrow.funded', secret: SECRET, timestamp: TIMESTAMP, tamper: true });
    expect(tampered.signature).toBe(honest.signature);
    expect(tampered.body).not.toBe(honest.body);
    expect(sign(tampered.body, SECRET)).not.toBe(tampered.signature);
  });
});

describe('classifyResponse', () => {
  it('reads the outcome from the status and the body', () => {
    expect(classifyResponse(200, { ok: true })).toBe('handled');
    expect(classifyResponse(204, undefined)).toBe('handled');
    expect(classifyResponse(200, { ok: true, duplicate: true })).toBe('duplicate');
    expect(classifyResponse(409, { code: 'DELIVERY_IN_PROGRESS' })).toBe('in-progress');
    expect(classifyResponse(401, { code: 'INVALID_SIGNATURE' })).toBe('rejected');
  });
});

describe('sendDelivery', () => {
  it('sends the same bytes every time, never more than `concurrency` at once', async () => {
    const bodies = new Set<string>();
    let inFlight = 0;
    let peak = 0;
    const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      bodies.add(String(init?.body));
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return new Response('{"ok":true}', { status: 200 });
    }) as typeof fetch;
    const { responses } = await sendDelivery({
      url: 'http://127.0.0.1:9/webhooks/armalo',
      event: 'swarm.halted',
      secret: SECRET,
      repeat: 7,
      concurrency: 3,
      fetch: fakeFetch,
    });
    expect(responses).toHaveLength(7);
    expect(bodies.size).toBe(1);
    expect(peak).toBe(3);
  });

  it('stops at the first failure and throws one line when the endpoint cannot be reached', async () => {
    let calls = 0;
    const failing = (async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    }) as typeof fetch;
    await expect(
      sendDelivery({ url: 'http://127.0.0.1:9/x', event: 'swarm.halted', secret: SECRET, repeat: 3, fetch: failing }),
    ).rejects.toThrow('cannot reach http://127.0.0.1:9/x: connect ECONNREFUSED 127.0.0.1:9');
    expect(calls).toBe(1);
  });
});
