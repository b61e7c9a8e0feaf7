import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createWebhookReceiver, EVENT_CATALOG } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { sign } from '@armalo-webhooks/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatSummary } from './commands/send.js';
import { buildDelivery, classifyResponse, type DeliveryResponse, sendDelivery } from './send.js';

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
    // An inbox receiver stored it: nothing ran yet.
    expect(classifyResponse(200, { ok: true, queued: true })).toBe('queued');
    expect(classifyResponse(200, { ok: true, stale: true })).toBe('stale');
    expect(classifyResponse(500, { code: 'HANDLER_FAILED' })).toBe('rejected');
    expect(classifyResponse(409, { code: 'DELIVERY_IN_PROGRESS' })).toBe('in-progress');
    expect(classifyResponse(401, { code: 'INVALID_SIGNATURE' })).toBe('rejected');
  });
});

describe('sendDelivery', () => {
  let server: Server;
  let url: string;
  const bodies = new Set<string>();
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let peak = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.add(body);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        }, 5);
      });
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the same bytes every time, never more than `concurrency` at once, one connection per lane', async () => {
    const { responses } = await sendDelivery({ url, event: 'swarm.halted', secret: SECRET, repeat: 7, concurrency: 3 });
    expect(responses).toHaveLength(7);
    expect(bodies.size).toBe(1);
    expect(peak).toBe(3);
    // The first copy on each of the 3 connections paid the connect; the other 4 reused one.
    expect(responses.filter((response) => response.connectMs !== undefined)).toHaveLength(3);
    expect(sockets.size).toBe(3);
    // The 5 ms the server waits is inside each request's latency; connecting is not.
    for (const response of responses) expect(response.latencyMs).toBeGreaterThanOrEqual(4);
  });

  it('stops at the first failure and throws one line when the endpoint cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const onResponse = vi.fn();
    await expect(
      sendDelivery({ url: `http://127.0.0.1:${port}/x`, event: 'swarm.halted', secret: SECRET, repeat: 3, onResponse }),
    ).rejects.toThrow(`cannot reach http://127.0.0.1:${port}/x: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(onResponse).not.toHaveBeenCalled();
  });
});

describe('sendDelivery with count', () => {
  let server: Server;
  let url: string;
  const handled: { event: string; data: unknown }[] = [];
  beforeAll(async () => {
    const webhooks = createWebhookReceiver({ secret: SECRET, logger: { warn: () => {}, error: () => {} } });
    webhooks.onAny((event) => void handled.push(event));
    server = createServer(createNodeHandler(webhooks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends distinct deliveries of every event, each valid for its schema, with its ids numbered', async () => {
    for (const event of Object.keys(EVENT_CATALOG)) {
      const { deliveries, responses } = await sendDelivery({ url, event, secret: SECRET, count: 3, concurrency: 3 });
      expect(new Set(deliveries.map((delivery) => delivery.body)).size).toBe(3);
      expect(responses.map((response) => [event, response.outcome])).toEqual(Array(3).fill([event, 'handled']));
    }
    const evalIds = handled
      .filter((item) => item.event === 'eval.failed')
      .map((item) => (item.data as { evalId: string }).evalId);
    expect(evalIds.sort()).toEqual(['eval_ghi789_1', 'eval_ghi789_2', 'eval_ghi789_3']);
  });

  it('sends each of them repeat times: the copies after the first are duplicates', async () => {
    const { responses } = await sendDelivery({ url, event: 'escrow.funded', secret: SECRET, count: 2, repeat: 2 });
    expect(responses.map((response) => response.outcome)).toEqual(['handled', 'duplicate', 'handled', 'duplicate']);
  });

  it('refuses data or a timestamp, which would make the deliveries one', async () => {
    await expect(sendDelivery({ url, event: 'escrow.funded', secret: SECRET, count: 2, data: {} })).rejects.toThrow(
      /give no data or timestamp/,
    );
  });
});

describe('formatSummary', () => {
  it('counts stale answers only when the receiver gave some', () => {
    const response = (outcome: 'handled' | 'stale' | 'duplicate'): DeliveryResponse => ({
      status: 200,
      statusText: 'OK',
      bodyText: '',
      outcome,
      latencyMs: 1,
    });
    expect(formatSummary([response('handled'), response('duplicate')])).toMatch(
      /^2 sent: 1 handled, 1 duplicate, 0 in-progress, 0 rejected/,
    );
    expect(formatSummary([response('handled'), response('stale'), response('stale')])).toMatch(
      /^3 sent: 1 handled, 0 duplicate, 2 stale, 0 in-progress, 0 rejected/,
    );
  });
});
